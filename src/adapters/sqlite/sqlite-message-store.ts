import { inject, injectable } from 'tsyringe';
import type { MessageStore, RecordResult } from '../../application/ports/message-store.js';
import type { Config } from '../../config.js';
import type { InstagramEvent } from '../../domain/instagram-event.js';
import type { Clock } from '../../domain/clock.js';
import { DomainError } from '../../domain/errors.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { SqliteEventWriter } from './sqlite-event-writer.js';

/** SQLITE_BUSY (and its extended codes): another connection holds the lock. */
function isBusy(error: unknown): boolean {
  return /^SQLITE_BUSY/.test(String((error as { code?: unknown }).code ?? ''));
}

/** A delivery that could not commit for this long (another process holds the lock) is refused: `503 store_busy`. */
export const STORE_BUSY_AFTER_MS = 2_000;
const RETRY_FIRST_MS = 25;
const RETRY_MAX_MS = 200;

/** What one delivery of a group came to: its result, or the error that rolled its savepoint back. */
type Outcome = { result: RecordResult } | { error: unknown };

interface Job {
  events: InstagramEvent[];
  /** When it was queued (Date.now()). */
  since: number;
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
  private retryDelay = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  /**
   * The group's transaction, each delivery in a savepoint of its own: better-sqlite3's own
   * transaction functions (nested ones use savepoints), whose BEGIN, SAVEPOINT, RELEASE and
   * ROLLBACK are prepared once. Drizzle's nested transaction prepared its SAVEPOINT and RELEASE
   * again for every delivery: 2 % of the webhook's event loop at saturation (BENCHMARKS.md,
   * session 11).
   */
  private readonly commitGroup: (jobs: Job[], now: number) => Outcome[];

  constructor(
    @inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb,
    @inject(TOKENS.Config) config: Pick<Config, 'crm' | 'deferredChangeTtlMs'>,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {
    this.writer = new SqliteEventWriter(db, { mirrored: config.crm.enabled, deferredTtlMs: config.deferredChangeTtlMs });
    const client = db.$client;
    const delivery = client.transaction((events: InstagramEvent[], now: number) => this.writer.record(events, now));
    this.commitGroup = client.transaction((jobs: Job[], now: number): Outcome[] => {
      // Alone, a delivery needs no savepoint: its error rolls the whole transaction back.
      if (jobs.length === 1) return [{ result: this.writer.record(jobs[0].events, now) }];
      return jobs.map((job) => {
        try {
          return { result: delivery(job.events, now) };
        } catch (error) {
          // Busy: another process holds the write lock, so nothing of the group is written yet
          // (the first write takes the lock): the whole group waits (retryLater), not this one.
          if (isBusy(error)) throw error;
          return { error };
        }
      });
    });
  }

  record(events: InstagramEvent[]): Promise<RecordResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, since: Date.now(), resolve, reject });
      if (this.queue.length === 1 && !this.retryTimer) setImmediate(() => this.flush());
    });
  }

  /** Commits every queued delivery in one transaction, one savepoint each. */
  private flush(): void {
    const jobs = this.queue;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.commitGroup(jobs, this.clock.now());
    } catch (error) {
      if (isBusy(error)) this.retryLater(jobs);
      else for (const job of jobs) job.reject(error);
      return;
    }
    this.retryDelay = RETRY_FIRST_MS;
    jobs.forEach((job, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) job.reject(outcome.error);
      else job.resolve(outcome.result);
    });
  }

  /**
   * Another process holds the write lock and the short busy_timeout ran out: nothing was
   * written (the transaction rolled back). Try again soon, off the event loop; a delivery
   * waiting longer than STORE_BUSY_AFTER_MS is refused so Meta retries it later.
   */
  private retryLater(jobs: Job[]): void {
    const now = Date.now();
    const waiting: Job[] = [];
    for (const job of jobs) {
      if (now - job.since < STORE_BUSY_AFTER_MS) waiting.push(job);
      else job.reject(new DomainError('store_busy', `the local database stayed locked for ${STORE_BUSY_AFTER_MS / 1000} s; nothing was stored, retry later`));
    }
    if (waiting.length === 0) return;
    this.queue = [...waiting, ...this.queue];
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }
}
