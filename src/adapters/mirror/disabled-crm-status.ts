import { crmCounts, type CrmStatus, type CrmStatusReport } from '../../application/ports/crm-status.js';
import type { CrmConfig } from '../../config.js';
import type { SqliteCrmOutbox } from '../sqlite/sqlite-crm-outbox.js';

/**
 * `/readyz` while the mirror is off: why it is off (with the variables missing when it was
 * asked for), and what waits — for a backfill, or from before it was turned off.
 */
export class DisabledCrmStatus implements CrmStatus {
  constructor(
    private readonly outbox: SqliteCrmOutbox,
    private readonly config: Pick<CrmConfig, 'requested' | 'missing'>,
  ) {}

  async status(): Promise<CrmStatusReport> {
    const counts = crmCounts(this.outbox.counts());
    if (this.config.requested && this.config.missing.length > 0) {
      const missing = [...this.config.missing];
      return { state: 'disabled', reason: `CRM_MYSQL_ENABLED=true but ${missing.join(', ')} not set`, missing, ...counts };
    }
    return { state: 'disabled', reason: 'CRM_MYSQL_ENABLED is not true', ...counts };
  }
}
