import { inject, injectable } from 'tsyringe';
import type { Config } from '../config.js';
import { tokenAdvice, tokenState, type Account, type TokenState } from '../domain/account.js';
import type { Clock } from '../domain/clock.js';
import { TOKENS } from '../tokens.js';
import type { AccountStore } from './ports/account-store.js';

/** An account as the API, /readyz, /metrics, the inbox and `accounts list` show it: never its token. */
export interface AccountView {
  id: string;
  username: string | null;
  tokenState: TokenState;
  expiresAt: number | null;
  refreshedAt: number | null;
  addedAt: number;
  /** For `expiring` and `invalid`: what is wrong and what to do; null when `ok`. */
  problem: string | null;
}

/** SPEC §12: the accounts with their token state (`expiring` worked out from the expiry and TOKEN_WARN_DAYS). */
@injectable()
export class AccountViews {
  constructor(
    @inject(TOKENS.AccountStore) private readonly store: AccountStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'tokens'>,
  ) {}

  list(): AccountView[] {
    const now = this.clock.now();
    return this.store.list().map((account) => view(account, now, this.config.tokens.warnMs));
  }
}

export function view(account: Account, now: number, warnMs: number): AccountView {
  const state = tokenState(account, now, warnMs);
  return {
    id: account.id,
    username: account.username,
    tokenState: state,
    expiresAt: account.expiresAt,
    refreshedAt: account.refreshedAt,
    addedAt: account.addedAt,
    problem: tokenAdvice(account, state, now),
  };
}
