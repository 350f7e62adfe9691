import type { Logger } from 'pino';
import type { AccountToken, AccountTokens } from '../../application/ports/account-tokens.js';
import { historyStopped, type ConversationHistory, type RemoteMessage } from '../../application/ports/conversation-history.js';
import type { HistoryCallOutcome, Metrics } from '../../application/ports/metrics.js';
import type { Config } from '../../config.js';
import { DomainError } from '../../domain/errors.js';
import { CallBudget, pause } from './call-budget.js';
import { GraphClient } from './graph-client.js';
import { GraphError } from './graph-error.js';
import { conversationsPage, messageDetails, messagesPage } from './history-answers.js';

const RATE_LIMITED = [4, 17, 32, 613];
const MAX_TRIES = 6;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
const DETAIL_FIELDS = 'id,created_time,from,to,message,attachments,shares,story';

/**
 * Meta's Conversations API (SPEC §11) within HISTORY_CALLS_PER_S (one budget for every account),
 * each call with the token of the account walked (SPEC §12). Rate-limit answers (codes 4, 17,
 * 32, 613), timeouts and Meta's temporary errors are retried with exponential back-off (1 s
 * doubling, at most 6 tries); code 190 stops at once and marks the account's token invalid. Ids read from Meta are checked
 * (users: 1–32 digits) and encoded before they go into a URL.
 */
export class GraphConversationHistory implements ConversationHistory {
  private readonly client: GraphClient;
  private readonly budget: CallBudget;

  constructor(
    config: Pick<Config, 'graph' | 'history'>,
    private readonly tokens: AccountTokens,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.client = new GraphClient(config.graph, metrics);
    this.budget = new CallBudget(config.history.callsPerSecond);
  }

  async conversations(account: string, after: string | null, signal?: AbortSignal) {
    const query: Record<string, string> = { platform: 'instagram', ...(after ? { after } : {}) };
    const body = await this.call(account, `${encodeURIComponent(account)}/conversations`, query, signal);
    return this.checked(conversationsPage(body), 'conversation');
  }

  async messages(account: string, conversationId: string, after: string | null, signal?: AbortSignal) {
    const id = encodeURIComponent(conversationId);
    const body = after
      ? await this.call(account, `${id}/messages`, { fields: 'id,created_time', after }, signal)
      : await this.call(account, id, { fields: 'messages' }, signal);
    return this.checked(messagesPage(body), 'message id');
  }

  async message(account: string, mid: string, signal?: AbortSignal): Promise<RemoteMessage | null> {
    let body: Record<string, unknown>;
    try {
      body = await this.call(account, encodeURIComponent(mid), { fields: DETAIL_FIELDS }, signal, true);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'history_unavailable') return null;
      throw error;
    }
    const message = messageDetails(body, mid);
    if (!message) this.logger.warn({ mid }, 'history: a message whose details are not in the documented form was skipped');
    return message;
  }

  private checked<T>(page: { items: T[]; after: string | null; dropped: number }, what: string) {
    if (page.dropped > 0) this.logger.warn({ dropped: page.dropped }, `history: ${page.dropped} ${what}(s) not in the documented form were skipped`);
    return { items: page.items, after: page.after };
  }

  /** One call within the budget, retried as the class says. `detail`: Meta's other refusals mean "no details". */
  private async call(account: string, path: string, query: Record<string, string>, signal: AbortSignal | undefined, detail = false): Promise<Record<string, unknown>> {
    const used: AccountToken | null = this.tokens.tokenOf(account);
    if (!used) throw new DomainError('history_token_invalid', `igbridge has no access token for Instagram account ${account}: npm run accounts -- add --token <its token>`);
    for (let attempt = 1; ; attempt++) {
      await this.budget.take(signal);
      try {
        const body = await this.client.call({ operation: 'history', method: 'GET', path, query, signal, token: used.token });
        this.metrics.historyCall('ok');
        await this.tokens.accepted(used);
        return body;
      } catch (error) {
        if (signal?.aborted) throw historyStopped();
        const outcome = this.outcome(error, detail);
        this.metrics.historyCall(outcome);
        const graph = error instanceof GraphError ? error.meta : null;
        if (outcome === 'token_invalid') {
          await this.tokens.rejected(used, `the Conversations API answered: ${graph?.message ?? 'code 190'}`);
          throw new DomainError('history_token_invalid', `Meta refused the access token of account ${account} (code 190: invalid, expired or revoked): its history walk stopped. Generate a new Instagram User token with instagram_business_basic and instagram_business_manage_messages and run npm run accounts -- add --token <token> (or set IG_ACCESS_TOKEN and restart)`, { graph, account });
        }
        if (outcome === 'unavailable') throw new DomainError('history_unavailable', (error as Error).message, { graph });
        if (outcome === 'error' || attempt >= MAX_TRIES) {
          const code = outcome === 'rate_limited' ? 'history_rate_limited' : outcome === 'timeout' ? 'history_unreachable' : 'history_error';
          throw new DomainError(code, `Conversations API: ${(error as Error).message}${attempt > 1 ? ` (after ${attempt} tries)` : ''}`, { graph });
        }
        const waitMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
        this.logger.warn({ outcome, graph, retryInMs: waitMs, attempt }, `history: Conversations API ${outcome === 'rate_limited' ? 'rate limit reached' : 'did not answer'}; backing off`);
        await pause(waitMs, signal);
      }
    }
  }

  private outcome(error: unknown, detail: boolean): HistoryCallOutcome {
    if (!(error instanceof GraphError)) return 'error';
    const code = error.meta?.code ?? null;
    if (code === 190) return 'token_invalid';
    if (code !== null && RATE_LIMITED.includes(code)) return 'rate_limited';
    if (error.reason === 'timeout' || error.reason === 'unreachable' || error.reason === 'temporary') return 'timeout';
    return detail && error.meta ? 'unavailable' : 'error';
  }
}
