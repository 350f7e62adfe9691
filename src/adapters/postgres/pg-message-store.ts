import { inject, injectable } from 'tsyringe';
import type { MessageStore, RecordResult } from '../../application/ports/message-store.js';
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import type { InstagramEvent } from '../../domain/instagram-event.js';
import { TOKENS } from '../../tokens.js';
import { inTransaction, type PgDb } from './database.js';
import { PgEventWriter } from './pg-event-writer.js';
import { busyWhenUnavailable, isRetryable } from './pg-errors.js';

/** A delivery whose transaction PostgreSQL rolled back (deadlock, serialization) is run again, this many times in all. */
const ATTEMPTS = 3;

/**
 * The primary store on PostgreSQL, shared by every instance (SPEC §14). One transaction per
 * delivery: all its events are committed, or none. What the events do, and how instances keep
 * out of each other's way, is PgEventWriter's job; PostgreSQL's own group commit shares the
 * WAL flushes of concurrent deliveries, so there is no batching here.
 *
 * PostgreSQL unreachable, out of connections, or a statement past PG_STATEMENT_TIMEOUT_MS:
 * `store_busy` (the webhook answers 503 with Retry-After, and Meta delivers again; a delivery is
 * idempotent, so one whose commit did land is then a duplicate).
 */
@injectable()
export class PgMessageStore implements MessageStore {
  private readonly writer: PgEventWriter;

  constructor(
    @inject(TOKENS.PostgresDatabase) private readonly db: PgDb,
    @inject(TOKENS.Config) config: Pick<Config, 'crm' | 'deferredChangeTtlMs'>,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {
    this.writer = new PgEventWriter({ mirrored: config.crm.enabled, deferredTtlMs: config.deferredChangeTtlMs });
  }

  async record(events: InstagramEvent[]): Promise<RecordResult> {
    const now = this.clock.now();
    return busyWhenUnavailable('take the delivery', async () => {
      const expired = await this.writer.expire(this.db, now);
      for (let attempt = 1; ; attempt++) {
        try {
          const recorded = await inTransaction(this.db, (tx) => this.writer.record(tx, events, now));
          return { ...recorded, expired };
        } catch (error) {
          if (attempt >= ATTEMPTS || !isRetryable(error)) throw error;
        }
      }
    });
  }
}
