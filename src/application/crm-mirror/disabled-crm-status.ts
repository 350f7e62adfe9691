import type { CrmConfig } from '../../config.js';
import type { CrmOutbox } from '../ports/crm-outbox.js';
import { crmCounts, type CrmStatus, type CrmStatusReport } from '../ports/crm-status.js';

/**
 * `/readyz` while the mirror is off: why it is off (with the variables missing when it was
 * asked for), and what waits — for a backfill, or from before it was turned off.
 */
export class DisabledCrmStatus implements CrmStatus {
  constructor(
    private readonly outbox: CrmOutbox,
    private readonly config: Pick<CrmConfig, 'requested' | 'missing'>,
  ) {}

  async status(): Promise<CrmStatusReport> {
    const counts = crmCounts(await this.outbox.counts());
    if (this.config.requested && this.config.missing.length > 0) {
      const missing = [...this.config.missing];
      return { state: 'disabled', reason: `CRM_MYSQL_ENABLED=true but ${missing.join(', ')} not set`, missing, ...counts };
    }
    return { state: 'disabled', reason: 'CRM_MYSQL_ENABLED is not true', ...counts };
  }
}
