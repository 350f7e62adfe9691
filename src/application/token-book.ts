import { inject, injectable } from 'tsyringe';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { TOKENS } from '../tokens.js';
import type { AccountStore } from './ports/account-store.js';
import type { AccountToken, AccountTokens } from './ports/account-tokens.js';
import type { ConversationReader } from './ports/conversation-reader.js';
import type { Logger } from './ports/logger.js';
import { view } from './account-views.js';
import { TokenAlerts } from './token-alerts.js';

/**
 * SPEC §12: which token a Graph call uses, and what a 190 does. A token Meta refuses marks its
 * account `invalid` (once: the error log says what to do); a later call Meta accepts clears it.
 */
@injectable()
export class TokenBook implements AccountTokens {
  constructor(
    @inject(TOKENS.AccountStore) private readonly store: AccountStore,
    @inject(TOKENS.ConversationReader) private readonly reader: ConversationReader,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'tokens'>,
    @inject(TokenAlerts) private readonly alerts: TokenAlerts,
  ) {}

  tokenOf(accountId: string): AccountToken | null {
    const account = this.store.get(accountId);
    return account ? { accountId: account.id, token: account.token } : null;
  }

  async tokenForCustomer(customerId: string): Promise<AccountToken | null> {
    for (const accountId of await this.reader.accountsOf(customerId)) {
      const token = this.tokenOf(accountId);
      if (token) return token;
    }
    return null;
  }

  any(): boolean {
    return this.store.list().length > 0;
  }

  async rejected(used: AccountToken, reason: string): Promise<void> {
    if (!(await this.store.markInvalid(used.accountId, used.token, reason))) return;
    const account = this.store.get(used.accountId);
    if (account) this.alerts.check(view(account, this.clock.now(), this.config.tokens.warnMs));
  }

  async accepted(used: AccountToken): Promise<void> {
    // Read first: the usual case (a token that works) writes nothing.
    if (this.store.get(used.accountId)?.tokenError == null) return;
    if (await this.store.markValid(used.accountId, used.token)) {
      this.logger.info({ account: used.accountId, token_state: 'ok', warnDays: this.config.tokens.warnMs / 86_400_000 }, `account ${used.accountId}: Meta accepts its token again`);
    }
  }
}
