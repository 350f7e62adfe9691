import type { CrmOutbox } from '../ports/crm-outbox.js';
import type { CrmReachability } from '../ports/crm-reachability.js';
import { crmCounts, type CrmStatus, type CrmStatusReport } from '../ports/crm-status.js';
import type { CrmWriter } from '../ports/crm-writer.js';

/**
 * `/readyz` while the mirror runs: `down` when the mirror's last round failed or the warm
 * connection fails while there is nothing to write; `slow` while the oldest write under way is
 * older than CRM_SLOW_WRITE_MS (a locked table: said before the write times out); else `ok`;
 * and what waits for the CRM, what it refused, what waits for a backfill.
 */
export class MirrorCrmStatus implements CrmStatus {
  constructor(
    private readonly mirror: { readonly health: 'ok' | 'down'; readonly misfit?: string },
    private readonly outbox: CrmOutbox,
    private readonly connections: CrmReachability,
    private readonly writes: Pick<CrmWriter, 'writingForMs'>,
    private readonly slowWriteMs: number,
  ) {}

  async status(): Promise<CrmStatusReport> {
    const counts = crmCounts(await this.outbox.counts());
    return {
      state: this.state(),
      ...(this.mirror.misfit ? { reason: this.mirror.misfit } : {}),
      ...counts,
    };
  }

  private state(): 'ok' | 'slow' | 'down' {
    if (this.mirror.health !== 'ok' || !this.connections.reachable) return 'down';
    return (this.writes.writingForMs() ?? 0) > this.slowWriteMs ? 'slow' : 'ok';
  }
}
