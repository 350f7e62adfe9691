import type { Logger } from 'pino';

/** One reason's refusals are logged once in this long at most (each is counted in the metrics). */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * The log of refusals by a limit. They come in floods when somebody pushes on a limit (1,500
 * stalled bodies are 1,500 `overloaded`, a scanner's garbage is thousands of `malformed_request`),
 * so each reason gets one `warn` line per REFUSAL_LOG_INTERVAL_MS, with how many refusals came
 * since the previous one (this one included): never a line per refusal that a sender could
 * multiply into log volume and event-loop time. The reasons are a fixed list, so is the map.
 */
export class RefusalLog {
  private readonly last = new Map<string, { at: number; since: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  refused(reason: string, fields: Record<string, unknown>, message: string): void {
    const at = this.now();
    const seen = this.last.get(reason);
    if (seen && at - seen.at < REFUSAL_LOG_INTERVAL_MS) {
      seen.since += 1;
      return;
    }
    this.logger.warn({ ...fields, refusals: (seen?.since ?? 0) + 1 }, `${message} (counted in igbridge_limit_refusals_total; logged once a minute)`);
    this.last.set(reason, { at, since: 0 });
  }
}
