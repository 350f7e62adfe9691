import { backoff } from '../../domain/backoff.js';
import type { Clock } from '../../domain/clock.js';
import type { Message } from '../../domain/message.js';
import { PENDING, type CrmOutbox, type OutboxMessage, type OutboxSelection } from '../ports/crm-outbox.js';
import { CrmWriteError } from '../ports/crm-write-error.js';
import type { CrmWriter } from '../ports/crm-writer.js';
import type { Logger } from '../ports/logger.js';

export interface MirrorOptions {
  batchSize: number;
  /** Attempts before a row the CRM rejects is `failed` (0: at once, as a backfill does). */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** The service drains `PENDING`; a backfill its own selection. */
  selection?: OutboxSelection;
  /** How often in-doubt rows are looked for although none of this drainer's writes left any (default DOUBT_RECHECK_MS). */
  doubtRecheckMs?: number;
}

/** What a round did: nothing was due, some rows moved on, or the CRM stopped answering. */
export type RoundOutcome = 'idle' | 'progress' | 'transient';

export interface MirrorTally {
  mirrored: number;
  alreadyThere: number;
  failed: number;
}

/**
 * SPEC §5 "Nothing is lost … never twice": moves outbox rows into the CRM, one write at a time
 * (never two at once: the insert-where-not-exists of in-doubt rows fails when run concurrently
 * on MariaDB, and a single writer keeps the CRM's rows in local order).
 *
 * Exactly once, without a `mid` column in the CRM:
 * 1. rows are marked in doubt in the outbox BEFORE their INSERT is sent, and cleared with the
 *    outcome: mirrored, or `unavailable` (nothing reached the CRM: retried as a plain INSERT);
 * 2. a write whose outcome is unknown (timeout, lost connection, a crash) leaves them in doubt;
 * 3. in-doubt rows are retried one by one with an insert-where-not-exists on the natural key,
 *    and only they pay for that check.
 * A batch the CRM rejects for its data is split in halves until the bad row is alone.
 */
/** How often in-doubt rows are looked for even when none of this instance's writes left any (with PostgreSQL: CRM_CLAIM_LEASE_S, if shorter). */
export const DOUBT_RECHECK_MS = 30_000;

export class MirrorPendingMessages {
  readonly tally: MirrorTally = { mirrored: 0, alreadyThere: 0, failed: 0 };
  private readonly selection: OutboxSelection;
  /**
   * Whether rows may be in doubt. Only this use case leaves rows in doubt (and they stay due),
   * so once a look-up finds none, none appear until one of its writes ends in doubt; a start
   * (after a crash, say) looks again. Without it every batch of a catch-up first scanned the
   * whole backlog for in-doubt rows (the flag is not indexed). With an outbox shared by several
   * instances (SPEC §14) another instance may die leaving rows in doubt, which become this one's
   * once their claim lapses: the look-up is repeated every `doubtRecheckMs`.
   */
  private mayHaveDoubtful = true;
  private doubtCheckedAt = -Infinity;
  /** The last step wrote fewer rows than a batch holds: it reached the live tail of the queue. */
  atTail = false;
  /** The round under way: a round asked for meanwhile starts after it (never two writes at once). */
  private current: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly writer: CrmWriter,
    private readonly outbox: CrmOutbox,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: MirrorOptions,
  ) {
    this.selection = options.selection ?? PENDING;
  }

  /**
   * One round: the due in-doubt rows (one by one), else one batch. `afterId` walks a backfill
   * (rows after it); `onRows` hears of every row the round settled. Rounds run one after the
   * other, even when asked for together: each awaits the outbox and the CRM, and two
   * interleaved would send two writes at once and could read the same due rows twice.
   */
  execute(afterId = 0, onRows?: (rows: Message[]) => void): Promise<{ outcome: RoundOutcome; lastId: number }> {
    const round = this.current.then(() => this.round(afterId, onRows));
    this.current = round.catch(() => undefined);
    return round;
  }

  private async round(afterId: number, onRows?: (rows: Message[]) => void): Promise<{ outcome: RoundOutcome; lastId: number }> {
    const now = this.clock.now();
    const pending = this.selection === PENDING;
    this.atTail = false;
    if (now - this.doubtCheckedAt >= (this.options.doubtRecheckMs ?? DOUBT_RECHECK_MS)) this.mayHaveDoubtful = true;
    if (this.mayHaveDoubtful) this.doubtCheckedAt = now;
    const doubtful = pending && this.mayHaveDoubtful ? await this.outbox.due(this.selection, true, now, this.options.batchSize, afterId) : [];
    if (pending && doubtful.length === 0) this.mayHaveDoubtful = false;
    if (doubtful.length > 0 && this.writer.idempotent) return this.writeAgain(doubtful, afterId, onRows);
    if (doubtful.length > 0) {
      for (const message of doubtful) {
        if ((await this.writeIfAbsent(message)) === 'transient') return { outcome: 'transient', lastId: afterId };
        onRows?.([message]);
      }
      return { outcome: 'progress', lastId: afterId };
    }
    const batch = await this.outbox.due(this.selection, pending ? false : undefined, now, this.options.batchSize, afterId);
    if (batch.length === 0) return { outcome: pending ? await this.writeChanges() : 'idle', lastId: afterId };
    const lastId = batch[batch.length - 1].id;
    this.atTail = batch.length < this.options.batchSize;
    // A backfill meets in-doubt rows in its walk (a backfill or service stopped mid-write);
    // with a UNIQUE mid column they are written with the others.
    const idempotent = this.writer.idempotent;
    for (const message of batch.filter((m) => m.inDoubt && !idempotent)) {
      if ((await this.writeIfAbsent(message)) === 'transient') return { outcome: 'transient', lastId: afterId };
    }
    const clean = batch.filter((m) => !m.inDoubt || idempotent);
    const outcome = clean.length > 0 ? await this.writeBatch(clean) : 'progress';
    onRows?.(batch);
    return { outcome, lastId: outcome === 'transient' ? afterId : lastId };
  }

  /**
   * SPEC §10, a UNIQUE mid column: rows whose write had an unknown outcome are written again
   * as a batch (INSERT … ON DUPLICATE KEY UPDATE): no look-up, no natural key.
   */
  private async writeAgain(doubtful: OutboxMessage[], afterId: number, onRows?: (rows: Message[]) => void): Promise<{ outcome: RoundOutcome; lastId: number }> {
    const outcome = await this.writeBatch(doubtful);
    if (outcome !== 'transient') {
      this.logger.info({ rows: doubtful.length }, `CRM in-doubt messages written again on their mid (idempotent): ${doubtful.length}`);
      onRows?.(doubtful);
    }
    return { outcome, lastId: afterId };
  }

  /**
   * The second queue (SPEC §10): mirrored messages edited or unsent since. With a mid column
   * each CRM row is brought up to date, one by one (they are few), after its INSERT and in
   * order; a failure leaves them due (retried with the back-off). Without one they stay local.
   */
  private async writeChanges(): Promise<RoundOutcome> {
    const changed = await this.outbox.changed(this.options.batchSize);
    if (changed.length === 0) return 'idle';
    if (!this.writer.updatesChanges) {
      await this.outbox.markChangesSent(changed);
      return 'progress';
    }
    for (const message of changed) {
      try {
        const found = await this.writer.update(message);
        await this.outbox.markChangesSent([message]);
        if (!found) this.logger.warn({ id: message.id, mid: message.mid }, `CRM has no row with mid ${message.mid} (written before mid was mapped?): its edit/unsend stays local`);
      } catch (error) {
        const failure = asFailure(error);
        if (failure.kind !== 'rejected') {
          await this.outbox.markForRetry([message.id], failure.message, false);
          return 'transient';
        }
        await this.outbox.markChangesSent([message], failure.message);
        this.logger.error(
          { id: message.id, mid: message.mid, rows: 1, ...this.failureFields(failure) },
          `CRM write failed (rejected): ${failure.message}; the change to message ${message.mid} stays local`,
        );
      }
    }
    return 'progress';
  }

  private async writeBatch(batch: OutboxMessage[]): Promise<RoundOutcome> {
    const ids = batch.map((m) => m.id);
    await this.outbox.markInDoubt(ids);
    try {
      await this.writer.mirror(batch);
      await this.outbox.markMirrored(ids, this.clock.now());
      this.tally.mirrored += batch.length;
      return 'progress';
    } catch (error) {
      const failure = asFailure(error);
      if (failure.kind === 'in_doubt') {
        this.mayHaveDoubtful = true;
        await this.outbox.markForRetry(ids, failure.message, true);
        return 'transient';
      }
      await this.outbox.markForRetry(ids, failure.message, false);
      if (failure.kind === 'unavailable') return 'transient';
      if (batch.length === 1) return this.reject(batch[0], failure);
      this.logger.error(
        { rows: batch.length, ...this.failureFields(failure) },
        `CRM write failed (rejected): ${failure.message}; the batch of ${batch.length} is split to find the row`,
      );
      const half = Math.ceil(batch.length / 2);
      for (const part of [batch.slice(0, half), batch.slice(half)]) {
        if ((await this.writeBatch(part)) === 'transient') return 'transient';
      }
      return 'progress';
    }
  }

  private async writeIfAbsent(message: OutboxMessage): Promise<RoundOutcome> {
    try {
      const inserted = await this.writer.mirrorIfAbsent(message);
      await this.outbox.markMirrored([message.id], this.clock.now());
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
      await this.outbox.markForRetry([message.id], failure.message, true);
      return 'transient';
    }
  }

  private async reject(message: Message, failure: CrmWriteError): Promise<RoundOutcome> {
    const retryAt = this.clock.now() + backoff(message.crm.attempts + 1, this.options.retryBaseMs, this.options.retryMaxMs);
    const state = await this.outbox.markRejected(message.id, failure.message, this.options.maxAttempts, retryAt);
    if (state === 'failed') this.tally.failed++;
    const attempts = message.crm.attempts + 1;
    this.logger.error(
      { id: message.id, mid: message.mid, rows: 1, attempts, state, failed: state === 'failed', ...this.failureFields(failure) },
      state === 'failed'
        ? `CRM write failed (rejected): ${failure.message}; message ${message.mid} marked failed after ${attempts} attempt(s) (npm run crm:backfill retries it)`
        : `CRM write failed (rejected): ${failure.message}; message ${message.mid} retried later`,
    );
    return 'progress';
  }

  /**
   * SPEC §5, what the one line of a rejected write carries besides what became of its rows: the
   * whole error as the writer described it, and the TODO about what the CRM table cannot hold.
   */
  private failureFields(failure: CrmWriteError) {
    return { kind: failure.kind, error: failure.fields ?? { type: failure.name, message: failure.message }, todo: this.writer.todo };
  }
}

function asFailure(error: unknown): CrmWriteError {
  // Anything unforeseen may have happened after the INSERT was sent: assume it was.
  return error instanceof CrmWriteError ? error : new CrmWriteError('in_doubt', (error as Error)?.message ?? String(error), error);
}
