import { inject, injectable } from 'tsyringe';
import { TOKENS } from '../tokens.js';
import type { AccountView } from './account-views.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from './ports/logger.js';

/** A token that stays `expiring` or `invalid` is reminded of in the log this often. */
export const ALERT_AGAIN_MS = 24 * 3_600_000;

/**
 * The error log for a token that is `expiring` or `invalid` (SPEC §12), saying what to do: once
 * when an account gets there, then once a day while it stays. One per account: bounded by the
 * accounts, a handful.
 */
@injectable()
export class TokenAlerts {
  private readonly alerted = new Map<string, { state: string; at: number }>();

  constructor(
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** Logs the account's problem unless this state was logged within ALERT_AGAIN_MS; forgets an account that is `ok`. */
  check(account: AccountView): void {
    if (account.tokenState === 'ok' || account.problem === null) {
      this.alerted.delete(account.id);
      return;
    }
    const now = this.clock.now();
    const last = this.alerted.get(account.id);
    if (last && last.state === account.tokenState && now - last.at < ALERT_AGAIN_MS) return;
    this.alerted.set(account.id, { state: account.tokenState, at: now });
    const expiresAt = account.expiresAt === null ? null : new Date(account.expiresAt).toISOString();
    this.logger.error({ account: account.id, username: account.username, token_state: account.tokenState, expires_at: expiresAt }, account.problem);
  }

  /** Accounts no longer served are forgotten. */
  retain(ids: Set<string>): void {
    for (const id of this.alerted.keys()) if (!ids.has(id)) this.alerted.delete(id);
  }
}
