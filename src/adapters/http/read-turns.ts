import type { Metrics } from '../../application/ports/metrics.js';
import { HttpError } from './http-error.js';

/** Inbox and API reads waiting for their turn at most; beyond, `503 store_busy`. */
export const MAX_WAITING_READS = 256;

/**
 * Reads take turns with the webhook. A read page is synchronous SQLite work (up to `limit` rows)
 * on the event loop the webhook shares; eight inbox tabs polling at once would otherwise run
 * their pages back to back, ahead of a webhook that arrived among them. Here each read runs in an
 * event-loop turn of its own (setImmediate), one at a time, so between two reads the loop reads
 * its sockets and commits the webhooks that came: a webhook waits behind one read, not all of them.
 * Reads that ask the same question (`key`) while one of them still waits share its answer: eight
 * tabs polling the same list cost one query per turn, not eight. The queue is bounded
 * (MAX_WAITING_READS; `igbridge_limit_in_use{resource="read_queue"}`).
 */
export class ReadTurns {
  private readonly waiting: Array<() => void> = [];
  /** The answer of a read that has not started yet, by its question. */
  private readonly asked = new Map<string, Promise<unknown>>();
  private scheduled = false;

  constructor(
    private readonly metrics: Pick<Metrics, 'limitInUse'>,
    private readonly maxWaiting = MAX_WAITING_READS,
  ) {}

  run<T>(read: () => Promise<T>, { key }: { key?: string } = {}): Promise<T> {
    const same = key === undefined ? undefined : this.asked.get(key);
    if (same) return same as Promise<T>;
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new HttpError(503, 'store_busy', `${this.maxWaiting} reads are waiting for the local database already; retry later`, undefined, { 'Retry-After': '1' }));
    }
    const answer = new Promise<T>((resolve, reject) => {
      this.waiting.push(() => {
        if (key !== undefined) this.asked.delete(key);
        void read().then(resolve, reject);
      });
    });
    if (key !== undefined) this.asked.set(key, answer);
    this.metrics.limitInUse('read_queue', this.waiting.length);
    this.schedule();
    return answer;
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const next = this.waiting.shift()!;
      this.metrics.limitInUse('read_queue', this.waiting.length);
      next();
      this.schedule();
    });
  }
}
