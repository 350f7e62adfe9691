import type { CrmState, Message } from '../../domain/message.js';

/** Which rows a drain works on: the service's pending queue, or a backfill's selection. */
export interface OutboxSelection {
  states: CrmState[];
  /** Only messages sent at or after this time (backfill `--since`). */
  since?: number;
}

/** A message as the outbox hands it out: with whether its last write's outcome is unknown. */
export type OutboxMessage = Message & { inDoubt: boolean };

export const PENDING: OutboxSelection = { states: ['pending'] };

/**
 * The transactional outbox: each stored message's CRM state, committed with the message.
 * "In doubt" is set BEFORE a write is sent and cleared when its outcome is known, so a crash
 * in between leaves the row marked and its retry checks the CRM first.
 */
export interface CrmOutbox {
  /**
   * Due rows, oldest first. `inDoubt` true/false picks the rows whose earlier write has an
   * unknown outcome, or the others; undefined takes both. `afterId` lets a backfill walk once.
   */
  due(selection: OutboxSelection, inDoubt: boolean | undefined, now: number, limit: number, afterId?: number): OutboxMessage[];
  /** When the next pending row becomes due (null: none waiting). */
  nextDueAt(): number | null;
  /** How many messages stand in each CRM state that still needs work. */
  counts(): { pending: number; failed: number; notMirrored: number };
  count(selection: OutboxSelection): number;
  markInDoubt(ids: number[]): void;
  /** The write failed; the rows stay to do. `inDoubt`: it may have reached the CRM. */
  markForRetry(ids: number[], error: string, inDoubt: boolean): void;
  markMirrored(ids: number[], at: number): void;
  /** The CRM refused this row: one more attempt; at `maxAttempts` it is `failed`. Returns the new state. */
  markRejected(id: number, error: string, maxAttempts: number, retryAt: number): CrmState;
}
