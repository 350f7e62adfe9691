import { inject, injectable } from 'tsyringe';
import type { Config } from '../config.js';
import { refreshDue, type Account } from '../domain/account.js';
import type { Clock } from '../domain/clock.js';
import { TOKENS } from '../tokens.js';
import { view } from './account-views.js';
import { TokenRejected, type AccountGraph } from './ports/account-graph.js';
import type { AccountStore } from './ports/account-store.js';
import type { AccountTokens } from './ports/account-tokens.js';
import type { Logger } from './ports/logger.js';
import type { Metrics } from './ports/metrics.js';
import { TokenAlerts } from './token-alerts.js';

/** A refresh that failed for another reason than the token (Meta unreachable) is tried again after this. */
export const REFRESH_RETRY_MS = 3_600_000;

/**
 * SPEC §12, one pass: every token at least 24 h and TOKEN_REFRESH_H old is refreshed; the new
 * token and its expiry are saved in one write (only if the account still has the old token). A
 * refresh Meta refuses with 190 marks the account invalid; any other failure is retried after
 * REFRESH_RETRY_MS. Then every account that is `expiring` or `invalid` gets its error log.
 */
@injectable()
export class RefreshTokens {
  /** When each account's last refresh failed (one entry per account, dropped on success). */
  private readonly failedAt = new Map<string, number>();

  constructor(
    @inject(TOKENS.AccountStore) private readonly store: AccountStore,
    @inject(TOKENS.AccountGraph) private readonly graph: AccountGraph,
    @inject(TOKENS.AccountTokens) private readonly tokens: AccountTokens,
    @inject(TokenAlerts) private readonly alerts: TokenAlerts,
    @inject(TOKENS.Metrics) private readonly metrics: Metrics,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'tokens'>,
  ) {}

  async execute(signal?: AbortSignal): Promise<void> {
    // Another process or instance may have added, removed or refreshed an account since.
    await this.store.reload();
    for (const account of this.store.list()) {
      if (signal?.aborted) return;
      const now = this.clock.now();
      const failed = this.failedAt.get(account.id);
      if (refreshDue(account, now, this.config.tokens.refreshMs) && (failed === undefined || now - failed >= REFRESH_RETRY_MS)) {
        await this.refresh(account, signal);
      }
    }
    const now = this.clock.now();
    const accounts = this.store.list();
    for (const account of accounts) this.alerts.check(view(account, now, this.config.tokens.warnMs));
    this.alerts.retain(new Set(accounts.map((account) => account.id)));
  }

  /** An account given by its id alone (IG_ACCOUNT_ID) is named with the refresh (GET /me); a failure only leaves the id shown. */
  private async learnUsername(id: string, token: string, signal?: AbortSignal): Promise<void> {
    try {
      const owner = await this.graph.owner(token, signal);
      if (owner.id === id && owner.username) await this.store.setUsername(id, owner.username);
    } catch {
      // The next refresh asks again.
    }
  }

  private async refresh(account: Account, signal?: AbortSignal): Promise<void> {
    try {
      const fresh = await this.graph.refresh(account.token, signal);
      const at = this.clock.now();
      const expiresAt = at + fresh.expiresInS * 1000;
      this.failedAt.delete(account.id);
      if (await this.store.saveRefreshed(account.id, account.token, fresh.token, expiresAt, at)) {
        this.metrics.tokenRefresh('ok');
        this.logger.info({ account: account.id, expires_at: new Date(expiresAt).toISOString() }, `account ${account.id}: access token refreshed`);
        if (account.username === null) await this.learnUsername(account.id, fresh.token, signal);
      }
    } catch (error) {
      if (signal?.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof TokenRejected) {
        this.metrics.tokenRefresh('invalid');
        await this.tokens.rejected({ accountId: account.id, token: account.token }, `Meta refused to refresh it: ${message}`);
        return;
      }
      this.metrics.tokenRefresh('error');
      this.failedAt.set(account.id, this.clock.now());
      this.logger.warn({ account: account.id, err: { message } }, `account ${account.id}: token refresh failed (${message}); tried again in ${REFRESH_RETRY_MS / 60_000} min`);
    }
  }
}
