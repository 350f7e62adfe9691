import type { Clock } from '../domain/clock.js';
import type { Metrics } from './ports/metrics.js';
import { ProfileRateLimited, type ProfileLookup } from './ports/profile-lookup.js';
import type { Usernames } from './ports/usernames.js';

export interface BudgetOptions {
  /** PROFILE_LOOKUPS_PER_S: look-ups started per second, at most. */
  perSecond: number;
  /** PROFILE_QUEUE_MAX: customers waiting at most; beyond, asked again later (their next message, or the CRM row). */
  queueMax: number;
}

const FIRST_PAUSE_MS = 1_000;
/**
 * Look-ups are spaced as if a second were this long: PROFILE_LOOKUPS_PER_S starts span 1.1 s, so
 * Meta — which sees each call a little earlier or later than it was started (event-loop lag,
 * connection reuse) — never counts one more than the budget in a second (`make bench`
 * new-customers counted 6 in a second with an exact 1000 ms spacing).
 */
const SPACING_WINDOW_MS = 1_100;
/** Conversations read per sweep for customers the line refused (bounds each read). */
const SWEEP_WINDOW = 1_000;
const LONGEST_PAUSE_MS = 5 * 60_000;

type Waiter = (username: string | null) => void;

/**
 * SPEC §13: profile look-ups on a budget, so that a flood of new customers never competes with
 * the webhook or with the Send API for Meta's rate limit. A de-duplicated FIFO of customers,
 * started one every 1/PROFILE_LOOKUPS_PER_S seconds; when Meta says slow down, look-ups pause
 * with exponential back-off (the customer goes back in line). Cached answers skip the line.
 */
export class ProfileLookupBudget implements Usernames {
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly running = new Map<string, Promise<string | null>>();
  private nextStartAt = 0;
  private pausedUntil = 0;
  private pauseMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Where the sweep for refused customers stands (a conversation id); null: nothing was refused. */
  private sweepAfter: number | null = null;
  /** A window of the sweep is being read (one at a time). */
  private sweeping = false;
  /** The line refused someone while a window was read: the sweep goes round again from the start. */
  private refusedWhileSweeping = false;

  constructor(
    private readonly lookup: ProfileLookup,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly options: BudgetOptions,
  ) {}

  request(customerId: string): void {
    // A cache that cannot answer now: the customer is asked for again (next message, or the CRM row).
    this.lookup.known(customerId).then((known) => {
      if (known === undefined) this.enqueue(customerId);
    }, () => undefined);
  }

  async of(customerId: string, maxWaitMs: number): Promise<string | null> {
    // A cache that cannot answer now: the user id will do (as for a look-up that fails).
    const known = await this.lookup.known(customerId).catch(() => ({ username: null }));
    if (known !== undefined) return known.username;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.metrics.profileQueue('wait_expired', this.waiting.size);
        resolve(null);
      }, maxWaitMs);
      const done: Waiter = (username) => (clearTimeout(timer), resolve(username));
      const running = this.running.get(customerId);
      if (running) void running.then(done, () => done(null));
      else if (!this.enqueue(customerId, done)) done(null);
    });
  }

  /** Stops starting look-ups; those waiting get null. The look-up's own close ends the ones running. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const waiters of this.waiting.values()) for (const waiter of waiters) waiter(null);
    this.waiting.clear();
  }

  /** False when the line is full (the customer is asked for again later). */
  private enqueue(customerId: string, waiter?: Waiter): boolean {
    if (this.closed) return false;
    const waiters = this.waiting.get(customerId);
    if (waiters) {
      if (waiter) waiters.push(waiter);
      return true;
    }
    if (this.running.has(customerId)) return true;
    if (this.waiting.size >= this.options.queueMax) {
      this.metrics.profileQueue('overflow', this.waiting.size);
      this.sweepAfter ??= 0;
      if (this.sweeping) this.refusedWhileSweeping = true;
      return false;
    }
    this.waiting.set(customerId, waiter ? [waiter] : []);
    this.metrics.profileQueue('queued', this.waiting.size);
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.waiting.size === 0) this.sweep();
    if (this.timer || this.closed || this.waiting.size === 0) return;
    const delay = Math.max(this.nextStartAt, this.pausedUntil) - this.clock.now();
    this.timer = setTimeout(() => this.startNext(), Math.max(0, delay));
  }

  private startNext(): void {
    this.timer = undefined;
    const now = this.clock.now();
    if (now < Math.max(this.nextStartAt, this.pausedUntil)) return this.schedule();
    const [customerId, waiters] = this.waiting.entries().next().value!;
    this.waiting.delete(customerId);
    this.nextStartAt = now + SPACING_WINDOW_MS / this.options.perSecond;
    const running = this.lookup.username(customerId);
    this.running.set(customerId, running);
    running.then(
      (username) => {
        this.pauseMs = 0;
        for (const waiter of waiters) waiter(username);
      },
      (error: unknown) => this.failed(customerId, waiters, error),
    ).finally(() => this.running.delete(customerId));
    this.schedule();
  }

  /**
   * Once the line is empty after it overflowed: the customers it refused (never looked up) are
   * found a window of conversations at a time and queued, until the newest conversation.
   */
  private sweep(): void {
    if (this.sweepAfter === null || this.closed || this.sweeping) return;
    this.sweeping = true;
    this.refusedWhileSweeping = false;
    this.lookup.unknown(this.sweepAfter, Math.min(SWEEP_WINDOW, this.options.queueMax)).then(
      ({ customers, last }) => {
        this.sweeping = false;
        if (this.closed) return;
        this.sweepAfter = last ?? (this.refusedWhileSweeping ? 0 : null);
        for (const customerId of customers) if (!this.running.has(customerId) && !this.waiting.has(customerId)) this.waiting.set(customerId, []);
        if (this.waiting.size > 0) this.schedule();
        // A window with nobody to look up: the next one on a later turn of the event loop.
        else if (this.sweepAfter !== null && !this.timer) this.timer = setTimeout(() => ((this.timer = undefined), this.schedule()), 0);
      },
      () => {
        // The conversations could not be read now: the sweep resumes from here at the next look-up.
        this.sweeping = false;
      },
    );
  }

  private failed(customerId: string, waiters: Waiter[], error: unknown): void {
    // The adapter has logged the failure; a rate limit pauses the whole line.
    if (!(error instanceof ProfileRateLimited) || this.closed) {
      for (const waiter of waiters) waiter(null);
      return;
    }
    this.pauseMs = Math.min(LONGEST_PAUSE_MS, Math.max(FIRST_PAUSE_MS, this.pauseMs * 2));
    this.pausedUntil = this.clock.now() + this.pauseMs;
    this.metrics.profileQueue('rate_limited', this.waiting.size);
    // Back in line (at the end: the line is FIFO); over the bound, it is asked for again later.
    if (this.waiting.size < this.options.queueMax) this.waiting.set(customerId, [...(this.waiting.get(customerId) ?? []), ...waiters]);
    else for (const waiter of waiters) waiter(null);
    this.schedule();
  }
}
