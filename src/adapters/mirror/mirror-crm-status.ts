import type { CrmStatus } from '../../application/ports/crm-status.js';
import type { SqliteCrmOutbox } from '../sqlite/sqlite-crm-outbox.js';
import type { NonBlockingMirror } from './non-blocking-mirror.js';

/** `/readyz` while the mirror runs: whether the CRM answers, what waits for it, what it refused. */
export class MirrorCrmStatus implements CrmStatus {
  constructor(
    private readonly mirror: NonBlockingMirror,
    private readonly outbox: SqliteCrmOutbox,
  ) {}

  async status() {
    return {
      state: this.mirror.health,
      backlog: this.outbox.count({ states: ['pending'] }),
      failed: this.outbox.count({ states: ['failed'] }),
    };
  }
}
