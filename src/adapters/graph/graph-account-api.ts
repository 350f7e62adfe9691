import { inject, injectable } from 'tsyringe';
import { TokenRejected, type AccountGraph, type RefreshedToken, type TokenOwner } from '../../application/ports/account-graph.js';
import type { Metrics } from '../../application/ports/metrics.js';
import type { Config } from '../../config.js';
import { DomainError } from '../../domain/errors.js';
import { isMetaId } from '../../domain/meta-id.js';
import { TOKENS } from '../../tokens.js';
import { GraphClient, type GraphRequest } from './graph-client.js';
import { GraphError } from './graph-error.js';

/**
 * SPEC §12, as Meta documents it: `GET /{v}/me?fields=user_id,username` names the account behind
 * a token; `GET /refresh_access_token?grant_type=ig_refresh_token&access_token=…` (no version)
 * gives a new token for one at least 24 h old. Code 190 → TokenRejected.
 */
@injectable()
export class GraphAccountApi implements AccountGraph {
  private readonly client: GraphClient;

  constructor(@inject(TOKENS.Config) config: Pick<Config, 'graph'>, @inject(TOKENS.Metrics) metrics: Metrics) {
    this.client = new GraphClient(config.graph, metrics);
  }

  async owner(token: string, signal?: AbortSignal): Promise<TokenOwner> {
    const me = await this.call({ operation: 'account', method: 'GET', path: 'me', query: { fields: 'user_id,username' }, token, signal });
    const id = typeof me.user_id === 'number' ? String(me.user_id) : me.user_id;
    if (typeof id !== 'string' || !isMetaId(id)) throw new DomainError('graph_error', "Meta's answer to GET /me has no usable user_id (the account's IG_ID)");
    return { id, username: typeof me.username === 'string' && me.username.length > 0 ? me.username : null };
  }

  async refresh(token: string, signal?: AbortSignal): Promise<RefreshedToken> {
    const answer = await this.call({
      operation: 'account', method: 'GET', path: 'refresh_access_token', unversioned: true, query: { grant_type: 'ig_refresh_token' }, token, signal,
    });
    const fresh = answer.access_token;
    const expiresInS = Number(answer.expires_in);
    if (typeof fresh !== 'string' || fresh.length === 0 || !Number.isFinite(expiresInS) || expiresInS <= 0) {
      throw new DomainError('graph_error', "Meta's answer to refresh_access_token has no access_token and expires_in");
    }
    return { token: fresh, expiresInS };
  }

  private async call(request: GraphRequest): Promise<Record<string, unknown>> {
    try {
      return await this.client.call(request);
    } catch (error) {
      if (error instanceof GraphError && error.meta?.code === 190) throw new TokenRejected(`Meta code 190: ${error.meta.message ?? 'invalid token'}`);
      throw error;
    }
  }
}
