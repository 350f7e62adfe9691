import { TokenRejected } from './ports/account-graph.js';
import type { Logger } from './ports/logger.js';
import type { RefreshTokens } from './refresh-tokens.js';
import type { RegisterEnvAccount } from './register-env-account.js';

const ENV_RETRY_MS = 60_000;

/**
 * The accounts' background work (SPEC §12), one pass at a time: first the env pair becomes an
 * account (retried at each pass while Meta cannot name it), then the token refresh pass; again
 * every `everyMs`. `close()` aborts the pass under way and waits for it (bounded by the Graph
 * timeout: each call is aborted).
 */
export class TokenSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private envDone = false;

  constructor(
    private readonly register: RegisterEnvAccount,
    private readonly refresh: RefreshTokens,
    private readonly logger: Logger,
    private readonly everyMs: number,
  ) {}

  /** Starts the passes; resolves once the first one has dealt with the env pair (the caller bounds the wait). */
  start(): Promise<void> {
    const first = this.envAccount();
    this.running = first.then(() => this.pass());
    return first;
  }

  async close(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  private async envAccount(): Promise<void> {
    if (this.envDone || this.abort.signal.aborted) return;
    try {
      await this.register.execute(this.abort.signal);
      this.envDone = true;
    } catch (error) {
      if (this.abort.signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof TokenRejected) {
        this.envDone = true;
        this.logger.error({ err: { message } }, `IG_ACCESS_TOKEN is refused by Meta (${message}): it is not stored as an account. Generate a new long-lived Instagram User token, set IG_ACCESS_TOKEN (or run npm run accounts -- add --token <token>) and restart`);
        return;
      }
      this.logger.warn({ err: { message } }, `could not learn which account IG_ACCESS_TOKEN belongs to (GET /me): ${message}; asked again in ${Math.round(Math.min(this.everyMs, ENV_RETRY_MS) / 1000)} s (or set IG_ACCOUNT_ID to the account's id)`);
    }
  }

  private async pass(): Promise<void> {
    try {
      await this.envAccount();
      await this.refresh.execute(this.abort.signal);
    } catch (error) {
      if (!this.abort.signal.aborted) this.logger.error({ err: error }, 'token refresh pass failed; the next pass tries again');
    }
    if (this.abort.signal.aborted) return;
    // The env pair not known yet (Meta unreachable): asked again within a minute.
    this.timer = setTimeout(() => {
      this.running = this.pass();
    }, this.envDone ? this.everyMs : Math.min(this.everyMs, ENV_RETRY_MS));
  }
}
