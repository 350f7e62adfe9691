import { inject, injectable } from 'tsyringe';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { TOKENS } from '../tokens.js';
import { view, type AccountView } from './account-views.js';
import type { AccountGraph } from './ports/account-graph.js';
import type { AccountStore } from './ports/account-store.js';

/**
 * `npm run accounts -- add --token T` (SPEC §12): Meta names the account behind the token
 * (`GET /me`, which also proves the token works); it is stored, or replaces that account's
 * token. Throws TokenRejected when Meta refuses the token: nothing is stored then.
 */
@injectable()
export class AddAccount {
  constructor(
    @inject(TOKENS.AccountGraph) private readonly graph: AccountGraph,
    @inject(TOKENS.AccountStore) private readonly store: AccountStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'tokens'>,
  ) {}

  async execute(token: string): Promise<{ account: AccountView; added: boolean }> {
    const owner = await this.graph.owner(token);
    const now = this.clock.now();
    const added = await this.store.saveToken({ id: owner.id, username: owner.username, token, at: now, envTokenHash: null });
    return { account: view(this.store.get(owner.id)!, now, this.config.tokens.warnMs), added };
  }
}
