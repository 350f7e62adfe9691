import type { Logger } from 'pino';

/** One reason's refusals are logged once in this long at most (each is counted in the metrics). */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * The log of refusals anybody can provoke: by a limit, of garbage HTTP, of a forged signature.
 * They come in floods when somebody pushes (1,500 stalled bodies are 1,500 `overloaded`, a
 * scanner's garbage thousands of `malformed_request`), so each reason gets one line per
 * REFUSAL_LOG_INTERVAL_MS with `refusals`, how many came since the previous one (this one
 * included): never a line per refusal that a sender could multiply into log volume and
 * event-loop time. Each refusal is also counted in a metric. The reasons are a fixed list, and
 * so is the map.
 */
export class RefusalLog {
  private readonly last = new Map<string, { at: number; since: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** `message` says what was refused and where it is counted; the line adds that it is logged once a minute. */
  refused(reason: string, fields: Record<string, unknown>, message: string, level: 'warn' | 'error' = 'warn'): void {
    const at = this.now();
    const seen = this.last.get(reason);
    if (seen && at - seen.at < REFUSAL_LOG_INTERVAL_MS) {
      seen.since += 1;
      return;
    }
    this.logger[level]({ ...fields, refusals: (seen?.since ?? 0) + 1 }, `${message}; logged once a minute`);
    this.last.set(reason, { at, since: 0 });
  }
}
