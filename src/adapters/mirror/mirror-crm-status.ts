import { crmCounts, type CrmStatus, type CrmStatusReport } from '../../application/ports/crm-status.js';
import type { SqliteCrmOutbox } from '../sqlite/sqlite-crm-outbox.js';
import type { NonBlockingMirror } from './non-blocking-mirror.js';

/** What the status needs to know about the connections: whether the CRM can be reached now. */
export interface CrmReachability {
  readonly reachable: boolean;
}

/**
 * `/readyz` while the mirror runs: `down` when the drainer's last round failed or the warm
 * connection fails while there is nothing to write; `slow` while the oldest write under way is
 * older than CRM_SLOW_WRITE_MS (a locked table: said before the write times out); else `ok`;
 * and what waits for the CRM, what it refused, what waits for a backfill.
 */
export class MirrorCrmStatus implements CrmStatus {
  constructor(
    private readonly mirror: NonBlockingMirror,
    private readonly outbox: SqliteCrmOutbox,
    private readonly connections: CrmReachability,
    private readonly writes: { writingForMs(): number | null },
    private readonly slowWriteMs: number,
  ) {}

  async status(): Promise<CrmStatusReport> {
    return {
      state: this.state(),
      ...(this.mirror.misfit ? { reason: this.mirror.misfit } : {}),
      ...crmCounts(this.outbox.counts()),
    };
  }

  private state(): 'ok' | 'slow' | 'down' {
    if (this.mirror.health !== 'ok' || !this.connections.reachable) return 'down';
    return (this.writes.writingForMs() ?? 0) > this.slowWriteMs ? 'slow' : 'ok';
  }
}
