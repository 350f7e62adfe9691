import type { Metrics } from '../../application/ports/metrics.js';
import { HttpError } from './http-error.js';

/** Inbox and API reads waiting for their turn at most; beyond, `503 store_busy`. */
export const MAX_WAITING_READS = 256;

/** Rows (the pages' `limit`s) that the short reads served together in one turn may ask for: four thread pages of 50, one of 200. */
export const SHORT_ROWS_PER_TURN = 200;

/** Turns of short reads in a row while a long read waits, at most: a steady stream of thread pages never starves a list. */
export const SHORT_TURNS_IN_A_ROW = 2;

/**
 * `short`: one customer's thread page (a short index range); `long`: a list page (a row of the
 * summaries' index, its last message and its contact for each of up to 200 conversations).
 * `rows`: the page's `limit`.
 */
export interface ReadSize {
  length: 'short' | 'long';
  rows: number;
}

interface Waiting {
  rows: number;
  start(): void;
}

/**
 * Reads take turns with the webhook. A read page is synchronous SQLite work (up to `limit` rows)
 * on the event loop the webhook shares; eight inbox tabs polling at once would otherwise run
 * their pages back to back, ahead of a webhook that arrived among them. Here reads run in
 * event-loop turns of their own (setImmediate), so between two turns the loop reads its sockets
 * and commits the webhooks that came: a webhook waits behind one turn, not all the reads.
 * A turn serves one long read, or the short reads waiting, oldest first, up to
 * SHORT_ROWS_PER_TURN rows (at least one) — about the work of one list page. Short reads go
 * first (a thread page never waits behind a queue of list pages), but after SHORT_TURNS_IN_A_ROW
 * turns of them a waiting long read has its turn.
 * Reads that ask the same question (`key`) while one of them still waits share its answer: eight
 * tabs polling the same list cost one query per turn, not eight. The queue is bounded
 * (MAX_WAITING_READS; `igbridge_limit_in_use{resource="read_queue"}`).
 */
export class ReadTurns {
  private readonly waiting: Record<ReadSize['length'], Waiting[]> = { short: [], long: [] };
  /** The answer of a read that has not started yet, by its question. */
  private readonly asked = new Map<string, Promise<unknown>>();
  private shortTurns = 0;
  private scheduled = false;

  constructor(
    private readonly metrics: Pick<Metrics, 'limitInUse'>,
    private readonly maxWaiting = MAX_WAITING_READS,
  ) {}

  run<T>(read: () => Promise<T>, { key, size = { length: 'long', rows: 1 } }: { key?: string; size?: ReadSize } = {}): Promise<T> {
    const same = key === undefined ? undefined : this.asked.get(key);
    if (same) return same as Promise<T>;
    if (this.size() >= this.maxWaiting) {
      return Promise.reject(new HttpError(503, 'store_busy', `${this.maxWaiting} reads are waiting for the local database already; retry later`, undefined, { 'Retry-After': '1' }));
    }
    const answer = new Promise<T>((resolve, reject) => {
      this.waiting[size.length].push({
        rows: size.rows,
        start: () => {
          if (key !== undefined) this.asked.delete(key);
          try {
            void read().then(resolve, reject);
          } catch (error) {
            reject(error);
          }
        },
      });
    });
    if (key !== undefined) this.asked.set(key, answer);
    this.metrics.limitInUse('read_queue', this.size());
    this.schedule();
    return answer;
  }

  private size(): number {
    return this.waiting.short.length + this.waiting.long.length;
  }

  /** This turn's reads: the short ones that fit (see the class), or one long one. */
  private nextTurn(): Waiting[] {
    const { short, long } = this.waiting;
    if (short.length === 0 || (long.length > 0 && this.shortTurns >= SHORT_TURNS_IN_A_ROW)) {
      this.shortTurns = 0;
      return [long.shift()!];
    }
    this.shortTurns = long.length > 0 ? this.shortTurns + 1 : 0;
    let count = 1;
    let rows = short[0]!.rows;
    while (count < short.length && rows + short[count]!.rows <= SHORT_ROWS_PER_TURN) rows += short[count++]!.rows;
    return short.splice(0, count);
  }

  private schedule(): void {
    if (this.scheduled || this.size() === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const turn = this.nextTurn();
      this.metrics.limitInUse('read_queue', this.size());
      for (const read of turn) read.start();
      this.schedule();
    });
  }
}
