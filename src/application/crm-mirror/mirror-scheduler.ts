import { backoff } from '../../domain/backoff.js';
import type { Clock } from '../../domain/clock.js';
import type { CrmOutbox } from '../ports/crm-outbox.js';
import { CrmMisfitError, CrmWriteError } from '../ports/crm-write-error.js';
import type { CrmWriter } from '../ports/crm-writer.js';
import type { Logger } from '../ports/logger.js';
import type { MirrorPendingMessages, RoundOutcome } from './mirror-pending-messages.js';

export interface SchedulerOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a wake waits for more messages before the write (bounds the added CRM lag). */
  lingerMs?: number;
  /** The longest sleep while idle (rows queued without a wake are found by then). */
  idlePollMs?: number;
}

/**
 * Runs `MirrorPendingMessages` in the background, round after round, never two at once:
 * validate the CRM once (table and columns), then drain due rows; after a failure it backs off
 * exponentially (wakes are ignored meanwhile, so a dead CRM is not hammered per webhook) and
 * the backlog drains by itself when the CRM answers again. Nothing it runs throws out of it.
 */
export class MirrorScheduler {
  private state: 'starting' | 'ok' | 'down' = 'starting';
  private validated = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private stopNow: (() => void) | undefined;
  private readonly lingerMs: number;
  private readonly idlePollMs: number;

  constructor(
    private readonly mirrorPending: MirrorPendingMessages,
    private readonly writer: Pick<CrmWriter, 'validate' | 'abort' | 'todo' | 'caughtUp'>,
    private readonly outbox: Pick<CrmOutbox, 'nextDueAt' | 'counts'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: SchedulerOptions,
  ) {
    this.lingerMs = options.lingerMs ?? 25;
    this.idlePollMs = options.idlePollMs ?? 5_000;
  }

  /** Why the mirror is off while the CRM table does not fit the mapping (SPEC §10), naming the column. */
  misfit: string | undefined;

  /** `ok` once the CRM answered and the last round did not fail for the CRM's sake. */
  get health(): 'ok' | 'down' {
    return this.state === 'ok' ? 'ok' : 'down';
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.logger.error({ err: error }, 'CRM mirror stopped unexpectedly');
    });
  }

  /** New messages are due: an idle loop runs a round after the linger. Returns at once. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops the loop and waits up to `graceMs` for the write in flight; after that the write is
   * abandoned (its rows stay in doubt and are checked at the next start) and the loop gets a
   * few more seconds (the writer's own bounded clean-up) to record that.
   */
  async close(graceMs: number): Promise<void> {
    this.stopping = true;
    this.stopNow?.();
    if (!this.loop) return;
    if (await this.finishes(graceMs)) return;
    this.logger.warn({ graceMs }, 'CRM write still in flight at shutdown: abandoned, its messages are checked and retried at the next start');
    this.writer.abort();
    await this.finishes(5_000);
  }

  private async finishes(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      this.loop!.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return done;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const outcome = await this.round();
      if (this.stopping) break;
      if (outcome === 'transient') {
        failures++;
        this.state = 'down';
        const delay = backoff(failures, this.options.retryBaseMs, this.options.retryMaxMs);
        // The writer said what failed (summarised during an outage): only a debug line per retry.
        this.logger.debug({ failures, retryInMs: delay, backlog: await this.backlog() }, 'CRM unavailable: messages stay pending locally, retrying');
        await this.sleep(delay, false);
        continue;
      }
      failures = 0;
      this.state = 'ok';
      if (outcome === 'progress') {
        // At the live tail, linger before the next write so that messages arriving meanwhile
        // share it: back-to-back small writes cost an fsync'd outbox mark (and a CRM commit)
        // each, on the webhook's event loop (make bench, healthy: as much as the webhooks' own commits).
        if (this.mirrorPending.atTail) await this.sleep(this.lingerMs, false);
        continue;
      }
      this.writer.caughtUp();
      // Woken by a new message; the poll also finds rows queued without a wake, and rejected rows when due.
      // An outbox that cannot answer now means the plain poll (the next round logs what fails).
      const next = await this.outbox.nextDueAt().catch(() => null);
      await this.sleep(Math.min(this.idlePollMs, next === null ? this.idlePollMs : Math.max(0, next - this.clock.now())), true);
    }
  }

  /** One round of work; nothing thrown escapes (a local error is retried like a CRM one). */
  private async round(): Promise<RoundOutcome> {
    try {
      return this.validated ? (await this.mirrorPending.execute()).outcome : await this.validate();
    } catch (error) {
      if (!this.stopping) this.logger.error({ err: error }, 'CRM mirror round failed: retrying');
      return 'transient';
    }
  }

  private async validate(): Promise<RoundOutcome> {
    try {
      await this.writer.validate();
      this.validated = true;
      this.misfit = undefined;
      this.logger.info({}, 'CRM connection validated: the table fits; mirroring');
      return 'progress';
    } catch (error) {
      // A misfit was logged once by the writer, naming the column: checked again quietly.
      if (error instanceof CrmMisfitError) {
        this.misfit = error.message;
        return 'transient';
      }
      if (error instanceof CrmWriteError && error.reported) return 'transient';
      this.logger.error({ err: error, todo: this.writer.todo }, `CRM not usable, running local-only until it answers: ${(error as Error).message}`);
      return 'transient';
    }
  }

  private async backlog(): Promise<number | undefined> {
    try {
      return (await this.outbox.counts()).pending;
    } catch {
      return undefined;
    }
  }

  /**
   * Waits `ms`; a wake (a new message) cuts it short when `wakeable`, after a short linger so
   * that messages arriving together share one CRM write and one pair of outbox updates
   * instead of one each (each outbox update is an fsync on the webhook's event loop);
   * close always cuts it short at once, and a sleep that starts after close (the loop was awaiting
   * the outbox when close came) does not wait at all.
   */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (wakeable && this.woken) {
      this.woken = false;
      return this.sleep(this.lingerMs, false);
    }
    return new Promise<void>((resolve) => {
      let finished = false;
      let linger: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearTimeout(linger);
        this.wakeUp = undefined;
        this.stopNow = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      this.stopNow = done;
      if (wakeable) {
        this.wakeUp = () => {
          this.wakeUp = undefined;
          linger ??= setTimeout(done, this.lingerMs);
        };
      }
    });
  }
}
