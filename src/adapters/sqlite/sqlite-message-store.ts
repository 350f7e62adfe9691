import { inject, injectable } from 'tsyringe';
import type { MessageStore, RecordResult } from '../../application/ports/message-store.js';
import type { Config } from '../../config.js';
import type { InstagramEvent } from '../../domain/instagram-event.js';
import type { Clock } from '../../domain/clock.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { SqliteEventWriter } from './sqlite-event-writer.js';

type Tx = Parameters<Parameters<SqliteDb['transaction']>[0]>[0];

interface Job {
  events: InstagramEvent[];
  resolve(result: RecordResult): void;
  reject(error: unknown): void;
}

/**
 * The primary store. One synchronous transaction per delivery (better-sqlite3 requires it);
 * what the events do is SqliteEventWriter's job.
 *
 * Group commit: with synchronous=FULL every COMMIT waits for an fsync (about 2 ms on the bench
 * machine, most of a webhook's cost). Deliveries recorded in the same event-loop turn share
 * one transaction and one fsync; each runs in its own savepoint, so a delivery still commits
 * all or nothing, and each caller is answered only after the shared COMMIT is on disk.
 */
@injectable()
export class SqliteMessageStore implements MessageStore {
  private queue: Job[] = [];
  private readonly writer: SqliteEventWriter;

  constructor(
    @inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb,
    @inject(TOKENS.Config) config: Pick<Config, 'crm' | 'deferredChangeTtlMs'>,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {
    this.writer = new SqliteEventWriter(db, { mirrored: config.crm.enabled, deferredTtlMs: config.deferredChangeTtlMs });
  }

  record(events: InstagramEvent[]): Promise<RecordResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits every queued delivery in one transaction, one savepoint each. */
  private flush(): void {
    const jobs = this.queue;
    this.queue = [];
    const now = this.clock.now();
    const outcomes: Array<{ result: RecordResult } | { error: unknown }> = [];
    try {
      this.db.transaction((tx) => {
        // Alone, a delivery needs no savepoint: its error rolls the whole transaction back.
        if (jobs.length === 1) {
          outcomes.push({ result: this.recordIn(tx, jobs[0].events, now) });
          return;
        }
        for (const job of jobs) {
          try {
            outcomes.push({ result: tx.transaction((sp) => this.recordIn(sp, job.events, now)) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) job.reject(outcome.error);
      else job.resolve(outcome.result);
    });
  }

  private recordIn(_tx: Tx, events: InstagramEvent[], now: number): RecordResult {
    return this.writer.record(events, now);
  }
}
