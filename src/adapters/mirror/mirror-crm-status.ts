import { crmCounts, type CrmStatus, type CrmStatusReport } from '../../application/ports/crm-status.js';
import type { SqliteCrmOutbox } from '../sqlite/sqlite-crm-outbox.js';
import type { NonBlockingMirror } from './non-blocking-mirror.js';

/** What the status needs to know about the connections: whether the CRM can be reached now. */
export interface CrmReachability {
  readonly reachable: boolean;
}

/** `/readyz` while the mirror runs: whether the CRM answers, what waits for it, what it refused. */
export class MirrorCrmStatus implements CrmStatus {
  constructor(
    private readonly mirror: NonBlockingMirror,
    private readonly outbox: SqliteCrmOutbox,
    private readonly connections: CrmReachability,
  ) {}

  async status(): Promise<CrmStatusReport> {
    return {
      // The drainer's last round, or the warm connection failing while there is nothing to write.
      state: this.mirror.health === 'ok' && this.connections.reachable ? 'ok' : 'down',
      ...crmCounts(this.outbox.counts()),
    };
  }
}
