import type { CrmOutbox } from '../ports/crm-outbox.js';
import type { CrmReachability } from '../ports/crm-reachability.js';
import { crmCounts, type CrmStatus, type CrmStatusReport } from '../ports/crm-status.js';

/** `/readyz` while the mirror runs: whether the CRM answers, what waits for it, what it refused. */
export class MirrorCrmStatus implements CrmStatus {
  constructor(
    private readonly mirror: { readonly health: 'ok' | 'down' },
    private readonly outbox: CrmOutbox,
    private readonly connections: CrmReachability,
  ) {}

  async status(): Promise<CrmStatusReport> {
    return {
      // The mirror's last round, or the warm connection failing while there is nothing to write.
      state: this.mirror.health === 'ok' && this.connections.reachable ? 'ok' : 'down',
      ...crmCounts(this.outbox.counts()),
    };
  }
}
