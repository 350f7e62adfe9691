import { historyStopped } from '../../application/ports/conversation-history.js';

/** Spacing kept above the bare 1/perSecond, so that delays on the way never bunch calls past the budget. */
const MARGIN = 1.1;

/**
 * At most `perSecond` calls a second: each call starts at least 1/perSecond (plus a margin)
 * after the previous one actually started (Meta allows the Conversations API about 2 a second
 * per account). One caller at a time.
 */
export class CallBudget {
  private lastStart = -Infinity;

  constructor(private readonly perSecond: number) {}

  /** Waits for this call's turn; rejects when `signal` aborts the wait. */
  async take(signal?: AbortSignal): Promise<void> {
    await pause(this.lastStart + (1000 / this.perSecond) * MARGIN - performance.now(), signal);
    this.lastStart = performance.now();
  }
}

/** Waits `ms` (0: not at all); an abort ends the wait with `history_stopped`. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(historyStopped());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(historyStopped());
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
