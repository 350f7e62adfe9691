import type { Logger } from 'pino';
import type { MessageMirror } from '../../application/ports/message-mirror.js';
import type { Clock } from '../../domain/clock.js';
import type { SqliteCrmOutbox } from '../sqlite/sqlite-crm-outbox.js';
import type { CrmDrainer } from './crm-drainer.js';
import type { CrmMirror } from './crm-mirror.js';
import { CrmTableMisfit } from '../mysql/mysql-message-mirror.js';

/** How long a woken drainer waits for more messages before it writes (bounds the added CRM lag). */
const WAKE_LINGER_MS = 25;
const IDLE_POLL_MS = 5_000;

/**
 * The decorator that keeps the CRM away from message processing. `mirror()` only wakes the
 * background drainer: the messages are already `pending` in SQLite (committed with them), so
 * nothing is lost if the CRM is slow, down or we crash. The drainer loop:
 * validate the CRM once (table and columns), then drain due rows; after a failure it backs off
 * exponentially (wakes are ignored meanwhile, so a dead CRM is not hammered per webhook) and
 * the backlog drains by itself when the CRM answers again.
 */
export class NonBlockingMirror implements MessageMirror {
  private state: 'starting' | 'ok' | 'down' = 'starting';
  private validated = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private stopNow: (() => void) | undefined;

  constructor(
    private readonly inner: CrmMirror,
    private readonly drainer: CrmDrainer,
    private readonly outbox: SqliteCrmOutbox,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async mirror(): Promise<void> {
    this.woken = true;
    this.wakeUp?.();
  }

  /** `ok` once the CRM answered and the last write did not fail for the CRM's sake. */
  get health(): 'ok' | 'down' {
    return this.state === 'ok' ? 'ok' : 'down';
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.logger.error({ err: error }, 'CRM drainer stopped unexpectedly');
    });
  }

  /**
   * Stops the loop and waits up to `graceMs` for the write in flight; after that the write is
   * abandoned (KILLed; its rows stay in doubt and are checked at the next start) and the loop
   * gets a few more seconds (the KILL's own bounded connection) to record that.
   */
  async close(graceMs: number): Promise<void> {
    this.stopping = true;
    this.stopNow?.();
    if (!this.loop) return;
    if (await this.finishes(graceMs)) return;
    this.logger.warn({ graceMs }, 'CRM write still in flight at shutdown: abandoned, its messages are checked and retried at the next start');
    this.inner.abort();
    await this.finishes(5_000);
  }

  private async finishes(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
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
        const delay = this.drainer.backoff(failures);
        this.logger.warn({ failures, retryInMs: delay, backlog: this.backlog() }, 'CRM unavailable: messages stay pending locally, retrying');
        await this.sleep(delay, false);
        continue;
      }
      if (failures > 0) this.logger.info({ after: failures }, 'CRM answers again: draining the backlog');
      failures = 0;
      this.state = 'ok';
      if (outcome === 'progress') {
        // At the live tail, linger before the next write so that messages arriving meanwhile
        // share it: back-to-back small writes cost an fsync'd outbox mark (and a CRM commit)
        // each, on the webhook's event loop (make bench, healthy: as much as the webhooks' own commits).
        if (this.drainer.atTail) await this.sleep(WAKE_LINGER_MS, false);
        continue;
      }
      // Woken by mirror(); the poll also finds rows another path queued without waking us.
      const next = this.outbox.nextDueAt();
      await this.sleep(Math.min(IDLE_POLL_MS, next === null ? IDLE_POLL_MS : Math.max(0, next - this.clock.now())), true);
    }
  }

  /** One round of work; nothing thrown escapes (a local error is retried like a CRM one). */
  private async round(): Promise<'idle' | 'progress' | 'transient'> {
    try {
      return this.validated ? (await this.drainer.step()).outcome : await this.validate();
    } catch (error) {
      if (!this.stopping) this.logger.error({ err: error }, 'CRM drainer round failed: retrying');
      return 'transient';
    }
  }

  private async validate(): Promise<'progress' | 'transient'> {
    try {
      await this.inner.validate();
      this.validated = true;
      this.logger.info('CRM connection validated: the table fits; mirroring');
      return 'progress';
    } catch (error) {
      // A misfit was logged once by the writer, naming the column: checked again quietly.
      if (error instanceof CrmTableMisfit) return 'transient';
      this.logger.error({ err: { message: (error as Error).message } }, `CRM not usable, running local-only until it answers: ${(error as Error).message}`);
      this.logger.warn(this.inner.todo);
      return 'transient';
    }
  }

  private backlog(): number | undefined {
    try {
      return this.outbox.counts().pending;
    } catch {
      return undefined;
    }
  }

  /**
   * Waits `ms`; a wake (a new message) cuts it short when `wakeable`, after a short linger so
   * that messages arriving together share one CRM write and one pair of outbox updates
   * instead of one each (each outbox update is an fsync on the webhook's event loop);
   * close always cuts it short at once.
   */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && this.woken) {
      this.woken = false;
      return this.sleep(WAKE_LINGER_MS, false);
    }
    return new Promise<void>((resolve) => {
      let finished = false;
      let linger: NodeJS.Timeout | undefined;
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
          linger ??= setTimeout(done, WAKE_LINGER_MS);
        };
      }
    });
  }
}
