import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { Message } from '../../domain/message.js';
import { CrmWriteError } from '../mysql/crm-write-error.js';
import { PENDING, type OutboxSelection, type SqliteCrmOutbox } from '../sqlite/sqlite-crm-outbox.js';
import type { CrmMirror } from './crm-mirror.js';

export interface DrainerOptions {
  batchSize: number;
  /** Attempts before a row the CRM rejects is `failed` (0: at once, as a backfill does). */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  selection?: OutboxSelection;
}

export type StepOutcome = 'idle' | 'progress' | 'transient';

export interface DrainTally {
  mirrored: number;
  alreadyThere: number;
  failed: number;
}

/**
 * Moves outbox rows into the CRM, one write at a time (never two writes at once: the
 * insert-where-not-exists of in-doubt rows fails when run concurrently on MariaDB, and a single
 * writer keeps the CRM's rows in local order).
 *
 * Exactly once, without a `mid` column in the CRM:
 * 1. rows are marked in doubt in SQLite BEFORE their INSERT is sent, and cleared with the
 *    outcome: mirrored, or `unsent` (nothing reached the CRM: retried as a plain INSERT);
 * 2. a write whose outcome is unknown (timeout, lost connection, a crash) leaves them in doubt;
 * 3. in-doubt rows are retried one by one with an INSERT … WHERE NOT EXISTS on the natural key
 *    (user_id, direction, created_at, message), and only they pay for that check.
 * A batch the CRM rejects for its data is split in halves until the bad row is alone.
 */
export class CrmDrainer {
  readonly tally: DrainTally = { mirrored: 0, alreadyThere: 0, failed: 0 };
  private readonly selection: OutboxSelection;
  /**
   * Whether rows may be in doubt. Only this drainer leaves rows in doubt (and they stay due),
   * so once a look-up finds none, none appear until one of its writes ends in doubt; a start
   * (after a crash, say) looks again. Without it every batch of a catch-up first scanned the
   * whole backlog for in-doubt rows (the flag is not indexed).
   */
  private mayHaveDoubtful = true;
  /** The last step wrote fewer rows than a batch holds: it reached the live tail of the queue. */
  atTail = false;

  constructor(
    private readonly mirror: CrmMirror,
    private readonly outbox: SqliteCrmOutbox,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: DrainerOptions,
  ) {
    this.selection = options.selection ?? PENDING;
  }

  /** One round: the due in-doubt rows (one by one), else one batch. `afterId` walks a backfill. */
  async step(afterId = 0, onRows?: (rows: Message[]) => void): Promise<{ outcome: StepOutcome; lastId: number }> {
    const now = this.clock.now();
    const pending = this.selection === PENDING;
    this.atTail = false;
    const doubtful = pending && this.mayHaveDoubtful ? this.outbox.due(this.selection, true, now, this.options.batchSize, afterId) : [];
    if (pending && doubtful.length === 0) this.mayHaveDoubtful = false;
    if (doubtful.length > 0) {
      for (const message of doubtful) {
        if ((await this.writeIfAbsent(message)) === 'transient') return { outcome: 'transient', lastId: afterId };
        onRows?.([message]);
      }
      return { outcome: 'progress', lastId: afterId };
    }
    const batch = this.outbox.due(this.selection, pending ? false : undefined, now, this.options.batchSize, afterId);
    if (batch.length === 0) return { outcome: 'idle', lastId: afterId };
    const lastId = batch[batch.length - 1].id;
    this.atTail = batch.length < this.options.batchSize;
    // A backfill meets in-doubt rows in its walk (a backfill or service stopped mid-write).
    for (const message of batch.filter((m) => m.inDoubt)) {
      if ((await this.writeIfAbsent(message)) === 'transient') return { outcome: 'transient', lastId: afterId };
    }
    const clean = batch.filter((m) => !m.inDoubt);
    const outcome = clean.length > 0 ? await this.writeBatch(clean) : 'progress';
    onRows?.(batch);
    return { outcome, lastId: outcome === 'transient' ? afterId : lastId };
  }

  /** The next retry delay after `failures` failures in a row: exponential, capped. */
  backoff(failures: number): number {
    return Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.max(0, failures - 1));
  }

  private async writeBatch(batch: Message[]): Promise<StepOutcome> {
    const ids = batch.map((m) => m.id);
    this.outbox.markInDoubt(ids);
    try {
      await this.mirror.mirror(batch);
      this.outbox.markMirrored(ids, this.clock.now());
      this.tally.mirrored += batch.length;
      return 'progress';
    } catch (error) {
      const failure = asFailure(error);
      if (failure.kind === 'in_doubt') {
        this.mayHaveDoubtful = true;
        this.outbox.markForRetry(ids, failure.message, true);
        return 'transient';
      }
      this.outbox.markForRetry(ids, failure.message, false);
      if (failure.kind === 'unsent') return 'transient';
      if (batch.length === 1) return this.reject(batch[0], failure);
      const half = Math.ceil(batch.length / 2);
      for (const part of [batch.slice(0, half), batch.slice(half)]) {
        if ((await this.writeBatch(part)) === 'transient') return 'transient';
      }
      return 'progress';
    }
  }

  private async writeIfAbsent(message: Message): Promise<StepOutcome> {
    try {
      const inserted = await this.mirror.mirrorIfAbsent(message);
      this.outbox.markMirrored([message.id], this.clock.now());
      if (inserted) this.tally.mirrored++;
      else this.tally.alreadyThere++;
      this.logger.info({ id: message.id, mid: message.mid, inserted }, inserted
        ? 'CRM in-doubt message was not there: inserted now'
        : 'CRM in-doubt message was already there: not inserted again');
      return 'progress';
    } catch (error) {
      const failure = asFailure(error);
      if (failure.kind === 'rejected') return this.reject(message, failure);
      this.mayHaveDoubtful = true;
      this.outbox.markForRetry([message.id], failure.message, true);
      return 'transient';
    }
  }

  private reject(message: Message, failure: CrmWriteError): StepOutcome {
    const retryAt = this.clock.now() + this.backoff(message.crm.attempts + 1);
    const state = this.outbox.markRejected(message.id, failure.message, this.options.maxAttempts, retryAt);
    if (state === 'failed') this.tally.failed++;
    this.logger.error(
      { id: message.id, mid: message.mid, attempts: message.crm.attempts + 1, state, error: failure.message },
      state === 'failed'
        ? `CRM rejects message ${message.mid}: marked failed (npm run crm:backfill retries it)`
        : `CRM rejects message ${message.mid}: retried later`,
    );
    return 'progress';
  }
}

function asFailure(error: unknown): CrmWriteError {
  // Anything unforeseen may have happened after the INSERT was sent: assume it was.
  return error instanceof CrmWriteError ? error : new CrmWriteError('in_doubt', (error as Error)?.message ?? String(error), error);
}
