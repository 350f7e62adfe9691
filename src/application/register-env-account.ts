import { createHash } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { TOKENS } from '../tokens.js';
import type { AccountGraph } from './ports/account-graph.js';
import type { AccountStore } from './ports/account-store.js';
import type { Logger } from './ports/logger.js';

export type EnvAccountOutcome = 'none' | 'unchanged' | 'stored';

/**
 * SPEC §12: the env pair IG_ACCOUNT_ID + IG_ACCESS_TOKEN is an account like the others. Its token
 * is stored the first time, and again only when the env value changes — so a token igbridge has
 * refreshed since is not replaced by the older one at each start. With IG_ACCOUNT_ID=me the id is
 * Meta's answer to `GET /me` (which throws like AccountGraph when Meta cannot say); with an id,
 * Meta is asked nothing: only the store is written.
 */
@injectable()
export class RegisterEnvAccount {
  constructor(
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'instagram'>,
    @inject(TOKENS.AccountStore) private readonly store: AccountStore,
    @inject(TOKENS.AccountGraph) private readonly graph: AccountGraph,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async execute(signal?: AbortSignal): Promise<EnvAccountOutcome> {
    const { accessToken: token, accountId } = this.config.instagram;
    if (!token) return 'none';
    const hash = createHash('sha256').update(token).digest('hex');
    const applied = this.store.byEnvTokenHash(hash);
    if (applied && (accountId === 'me' || accountId === applied.id)) return 'unchanged';
    const owner = accountId === 'me' ? await this.graph.owner(token, signal) : { id: accountId, username: null };
    const added = await this.store.saveToken({ id: owner.id, username: owner.username, token, at: this.clock.now(), envTokenHash: hash });
    this.logger.info(
      { account: owner.id, username: owner.username },
      added ? `account ${owner.id}: added from IG_ACCESS_TOKEN` : `account ${owner.id}: IG_ACCESS_TOKEN changed, its new value is now the account's token`,
    );
    return 'stored';
  }
}
