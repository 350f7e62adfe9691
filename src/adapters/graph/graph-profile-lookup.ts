import type { Logger } from 'pino';
import { inject, injectable } from 'tsyringe';
import type { AccountTokens } from '../../application/ports/account-tokens.js';
import type { Metrics } from '../../application/ports/metrics.js';
import type { ProfileCache } from '../../application/ports/profile-cache.js';
import { ProfileRateLimited, type ProfileLookup } from '../../application/ports/profile-lookup.js';
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import { TOKENS } from '../../tokens.js';
import { GraphClient } from './graph-client.js';
import { GraphError } from './graph-error.js';

/**
 * `GET /{version}/{IGSID}?fields=name,username` with the token of the account the customer
 * talks to (IGSIDs are scoped to an account), cached in `contacts`: a username is
 * refreshed after PROFILE_REFRESH_H, a failure (no consent, blocked) is remembered for
 * PROFILE_FAILURE_RETRY_M so it is neither asked for nor logged on every message.
 * One look-up at a time per customer; throws only ProfileRateLimited (Meta's codes 4, 17, 32,
 * 613), so that the budget (ProfileLookupBudget) pauses instead of caching a failure.
 */
@injectable()
export class GraphProfileLookup implements ProfileLookup {
  private readonly client: GraphClient;
  private readonly inFlight = new Map<string, Promise<string | null>>();
  private readonly shutdown = new AbortController();

  constructor(
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'graph'>,
    @inject(TOKENS.ProfileCache) private readonly cache: ProfileCache,
    @inject(TOKENS.AccountTokens) private readonly tokens: AccountTokens,
    @inject(TOKENS.Metrics) metrics: Metrics,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {
    this.client = new GraphClient(config.graph, metrics);
  }

  async known(customerId: string): Promise<{ username: string | null } | undefined> {
    if (!this.usable(customerId)) return { username: null };
    return this.answer(await this.cache.get(customerId));
  }

  /** One look-up per customer at a time: a second ask shares the first, cache read included. */
  async username(customerId: string): Promise<string | null> {
    try {
      let pending = this.inFlight.get(customerId);
      if (!pending) {
        pending = this.lookUp(customerId).finally(() => this.inFlight.delete(customerId));
        this.inFlight.set(customerId, pending);
      }
      return await pending;
    } catch (error) {
      if (error instanceof ProfileRateLimited) throw error;
      this.logger.error({ err: error, customerId }, 'profile look-up failed unexpectedly');
      return null;
    }
  }

  unknown(after: number, window: number): Promise<{ customers: string[]; last: number | null }> {
    return this.cache.unknown(after, window);
  }

  /** Lets look-ups in flight end (aborting their calls) before the database closes. */
  async close(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** No account with a token (or shutting down): nothing can be looked up (the CRM gets the user id at once). */
  private usable(customerId: string): boolean {
    return !this.shutdown.signal.aborted && /^[A-Za-z0-9_.-]{1,256}$/.test(customerId) && this.tokens.any();
  }

  /** The cached answer while it holds: a fresh username, or a failure too recent to retry. */
  private answer(cached: { username: string | null; fetchedAt: number | null; failedAt: number | null } | null): { username: string | null } | undefined {
    const now = this.clock.now();
    const fresh = cached?.fetchedAt != null && now - cached.fetchedAt < this.config.graph.profileRefreshMs;
    const failedLately = cached?.failedAt != null && now - cached.failedAt < this.config.graph.profileFailureRetryMs;
    return cached && (fresh || failedLately) ? { username: cached.username } : undefined;
  }

  private async lookUp(customerId: string): Promise<string | null> {
    if (!this.usable(customerId)) return null;
    const cached = await this.cache.get(customerId);
    const known = this.answer(cached);
    return known ? known.username : this.fetch(customerId, cached?.username ?? null);
  }

  private async fetch(customerId: string, known: string | null): Promise<string | null> {
    const used = await this.tokens.tokenForCustomer(customerId);
    if (!used) {
      // Its account is not one igbridge has a token for (the unknown account is logged once on receipt).
      await this.cache.saveFailure(customerId, 'no access token for the account this customer writes to', this.clock.now());
      return known;
    }
    try {
      const profile = await this.client.call({
        operation: 'profile',
        method: 'GET',
        path: encodeURIComponent(customerId),
        query: { fields: 'name,username' },
        signal: this.shutdown.signal,
        token: used.token,
      });
      await this.tokens.accepted(used);
      const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null);
      const username = text(profile.username);
      if (!this.shutdown.signal.aborted) await this.cache.saveProfile(customerId, { username, name: text(profile.name) }, this.clock.now());
      this.logger.debug({ customerId, username }, 'profile looked up');
      return username;
    } catch (error) {
      if (this.shutdown.signal.aborted) return known;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof GraphError && error.reason === 'rate_limited') {
        // Not the customer's fault: nothing cached; the caller pauses look-ups and asks again.
        this.logger.warn({ customerId, graph: error.meta }, `profile look-up rate-limited by Meta; pausing look-ups: ${message}`);
        throw new ProfileRateLimited(message);
      }
      if (error instanceof GraphError && error.meta?.code === 190) await this.tokens.rejected(used, `the profile look-up answered: ${error.meta.message ?? 'code 190'}`);
      await this.cache.saveFailure(customerId, message, this.clock.now());
      const retryMinutes = this.config.graph.profileFailureRetryMs / 60_000;
      this.logger.warn(
        { customerId, reason: error instanceof GraphError ? error.reason : undefined, graph: error instanceof GraphError ? error.meta : undefined, retryMinutes },
        `profile look-up failed; using ${known ? 'the cached username' : 'the user id'} for ${retryMinutes} min: ${message}`,
      );
      return known;
    }
  }
}
