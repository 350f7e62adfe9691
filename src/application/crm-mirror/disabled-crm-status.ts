import type { CrmOutbox } from '../ports/crm-outbox.js';
import type { CrmStatus } from '../ports/crm-status.js';

/** `/readyz` while the mirror is off: the messages waiting for a backfill, and those that failed. */
export class DisabledCrmStatus implements CrmStatus {
  constructor(private readonly outbox: CrmOutbox) {}

  async status() {
    const { notMirrored, failed } = this.outbox.counts();
    return { state: 'disabled' as const, backlog: notMirrored, failed };
  }
}
