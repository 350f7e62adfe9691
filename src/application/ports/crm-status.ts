export type CrmState = 'disabled' | 'ok' | 'slow' | 'down';

/** What `/readyz` (and the CRM gauges of `/metrics`) tell about the CRM mirror. */
export interface CrmStatusReport {
  state: CrmState;
  /** With `disabled`: why (`CRM_MYSQL_ENABLED` not true, or settings missing). */
  reason?: string;
  /** With `disabled` when CRM_MYSQL_ENABLED=true: the variables that are not set. */
  missing?: string[];
  /** Messages waiting to be written to the CRM (the mirror writes them on its own). */
  pending: number;
  /** Messages the CRM kept rejecting (`npm run crm:backfill` retries them). */
  failed: number;
  /** Messages stored while the mirror was off (`npm run crm:backfill` sends them). */
  not_mirrored: number;
  /** = pending, kept for compatibility. */
  backlog: number;
}

export interface CrmStatus {
  status(): Promise<CrmStatusReport>;
}

/** The counts every report carries, mirror on or off, from the outbox's one grouped count. */
export function crmCounts(counts: { pending: number; failed: number; notMirrored: number }) {
  return { pending: counts.pending, failed: counts.failed, not_mirrored: counts.notMirrored, backlog: counts.pending };
}
