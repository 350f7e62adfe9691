import type { Logger } from 'pino';
import { inject, injectable } from 'tsyringe';
import type { AccountTokens } from '../../application/ports/account-tokens.js';
import type { MessageSender, SentMessage } from '../../application/ports/message-sender.js';
import type { Metrics } from '../../application/ports/metrics.js';
import type { Config } from '../../config.js';
import { DomainError } from '../../domain/errors.js';
import type { OutgoingMessage } from '../../domain/outgoing-message.js';
import { TOKENS } from '../../tokens.js';
import { GraphClient } from './graph-client.js';
import { GraphError } from './graph-error.js';

/**
 * The Instagram Send API: `POST /{version}/{account id}/messages` with that account's token.
 * One attempt, never a retry; a 190 marks the account's token invalid.
 */
@injectable()
export class GraphMessageSender implements MessageSender {
  private readonly client: GraphClient;

  constructor(
    @inject(TOKENS.Config) config: Pick<Config, 'graph'>,
    @inject(TOKENS.AccountTokens) private readonly tokens: AccountTokens,
    @inject(TOKENS.Metrics) metrics: Metrics,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {
    this.client = new GraphClient(config.graph, metrics);
  }

  async send(outgoing: OutgoingMessage, accountId: string): Promise<SentMessage> {
    const used = this.tokens.tokenOf(accountId);
    if (!used) {
      throw new DomainError('graph_not_configured', `igbridge has no access token for Instagram account ${accountId}, so it cannot send from it: set IG_ACCESS_TOKEN to its token, or run npm run accounts -- add --token <its token>`, { account_id: accountId });
    }
    const body = {
      recipient: { id: outgoing.recipientId },
      ...(outgoing.humanAgent ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : {}),
      message: outgoing.content.kind === 'text'
        ? { text: outgoing.content.text }
        : { attachment: { type: 'image', payload: { url: outgoing.content.url } } },
    };
    let answer: Record<string, unknown>;
    try {
      answer = await this.client.call({ operation: 'send', method: 'POST', path: `${encodeURIComponent(accountId)}/messages`, body, token: used.token });
    } catch (error) {
      const details = error instanceof GraphError ? { reason: error.reason, graph: error.meta } : {};
      this.logger.warn({ account: accountId, recipient: outgoing.recipientId, ...details, err: error }, 'send refused or failed; nothing stored');
      if (error instanceof GraphError && error.meta?.code === 190) await this.tokens.rejected(used, `the Send API answered: ${error.meta.message ?? 'code 190'}`);
      throw error;
    }
    await this.tokens.accepted(used);
    const mid = answer.message_id;
    if (typeof mid !== 'string' || mid.length === 0) {
      // Meta said 2xx without a message id: it may have gone out, but it cannot be stored under its mid.
      this.logger.error({ account: accountId, recipient: outgoing.recipientId, answer }, 'Send API answered without message_id');
      throw new GraphError('graph_error', 'Meta answered the send without a message_id; the message may have gone out (its echo will show it)', 'invalid_response');
    }
    this.logger.info({ account: accountId, recipient: outgoing.recipientId, mid }, 'message sent');
    return { mid, raw: JSON.stringify({ request: body, response: answer }) };
  }
}
