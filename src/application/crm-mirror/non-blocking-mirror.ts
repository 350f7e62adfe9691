import type { Clock } from '../../domain/clock.js';
import type { Message } from '../../domain/message.js';
import type { CrmOutbox } from '../ports/crm-outbox.js';
import type { CrmWriter } from '../ports/crm-writer.js';
import type { Logger } from '../ports/logger.js';
import type { MessageMirror } from '../ports/message-mirror.js';
import { MirrorPendingMessages, type MirrorOptions } from './mirror-pending-messages.js';
import { MirrorScheduler, type SchedulerOptions } from './mirror-scheduler.js';

/**
 * The decorator that keeps the CRM away from message processing (SPEC §5–6): the same port as
 * the CRM writer it wraps, but `mirror()` returns at once. The messages handed over are already
 * `pending` in the outbox (committed with them), so the wrapped writer gets them from there:
 * the scheduler runs `MirrorPendingMessages`, which calls `inner.mirror()` exactly once per
 * message, in the background, whether the CRM is slow, down, or we crashed in between.
 */
export class NonBlockingMirror implements MessageMirror {
  private readonly scheduler: MirrorScheduler;

  constructor(inner: CrmWriter, outbox: CrmOutbox, clock: Clock, logger: Logger, options: MirrorOptions & SchedulerOptions) {
    const mirrorPending = new MirrorPendingMessages(inner, outbox, clock, logger, options);
    this.scheduler = new MirrorScheduler(mirrorPending, inner, outbox, clock, logger, options);
  }

  async mirror(_messages: Message[]): Promise<void> {
    this.scheduler.wake();
  }

  /** `ok` once the CRM answered and the last write did not fail for the CRM's sake. */
  get health(): 'ok' | 'down' {
    return this.scheduler.health;
  }

  /** Validates the CRM, then drains whatever is due (also what a crash or an outage left). */
  start(): void {
    this.scheduler.start();
  }

  /** Waits up to `graceMs` for the write in flight, then abandons it (its rows stay in doubt). */
  close(graceMs: number): Promise<void> {
    return this.scheduler.close(graceMs);
  }
}
