export type CrmState = 'disabled' | 'ok' | 'down';

/** What `/readyz` tells about the CRM mirror. */
export interface CrmStatus {
  status(): Promise<{ state: CrmState; backlog: number; failed: number }>;
}
