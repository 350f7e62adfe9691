import { inject, injectable } from 'tsyringe';
import type { Message } from '../domain/message.js';
import { TOKENS } from '../tokens.js';
import type { AccountStore } from './ports/account-store.js';
import type { Logger } from './ports/logger.js';
import type { Metrics } from './ports/metrics.js';

/** Unknown accounts remembered as already logged, at most (then one line says the rest are not named). */
export const UNKNOWN_ACCOUNTS_LOGGED_MAX = 1_000;

/**
 * SPEC §12: messages for an account igbridge has no token for are stored like any other (local
 * first), and the account is named in the log once, with how to add it. The set of accounts
 * already named is bounded (signed webhooks only, but still input): past the bound they are
 * counted in the metric and no longer named.
 */
@injectable()
export class UnknownAccounts {
  private readonly logged = new Set<string>();
  private full = false;

  constructor(
    @inject(TOKENS.AccountStore) private readonly store: AccountStore,
    @inject(TOKENS.Metrics) private readonly metrics: Metrics,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    private readonly max = UNKNOWN_ACCOUNTS_LOGGED_MAX,
  ) {}

  /** Looks at newly stored messages: each account among them is known, or counted (and logged once). */
  check(stored: Message[]): void {
    const byAccount = new Map<string, number>();
    for (const message of stored) byAccount.set(message.accountId, (byAccount.get(message.accountId) ?? 0) + 1);
    for (const [accountId, count] of byAccount) {
      if (this.store.get(accountId)) continue;
      this.metrics.unknownAccountMessages(count);
      if (this.logged.has(accountId)) continue;
      if (this.logged.size >= this.max) {
        if (!this.full) this.logger.warn({ max: this.max }, `messages keep arriving for more than ${this.max} Instagram accounts igbridge has no token for; further ones are counted in igbridge_unknown_account_messages_total, not named here`);
        this.full = true;
        continue;
      }
      this.logged.add(accountId);
      this.logger.warn(
        { account: accountId },
        `messages for Instagram account ${accountId} are stored, but igbridge has no access token for it: replies, usernames and history for it need one. ` +
          'Add it with: npm run accounts -- add --token <its long-lived Instagram User token> (or set IG_ACCESS_TOKEN and IG_ACCOUNT_ID if it is your only account)',
      );
    }
  }
}
