import type { CrmStatus } from '../../application/ports/crm-status.js';
import type { SqliteCrmOutbox } from '../sqlite/sqlite-crm-outbox.js';

/** `/readyz` while the mirror is off: the messages waiting for a backfill, and those that failed. */
export class DisabledCrmStatus implements CrmStatus {
  constructor(private readonly outbox: SqliteCrmOutbox) {}

  async status() {
    const { notMirrored, failed } = this.outbox.counts();
    return { state: 'disabled' as const, backlog: notMirrored, failed };
  }
}
