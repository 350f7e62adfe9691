import type { Logger } from 'pino';
import { inject, injectable } from 'tsyringe';
import type { MessageSender, SentMessage } from '../../application/ports/message-sender.js';
import type { Metrics } from '../../application/ports/metrics.js';
import type { Config } from '../../config.js';
import type { OutgoingMessage } from '../../domain/outgoing-message.js';
import { TOKENS } from '../../tokens.js';
import { GraphClient } from './graph-client.js';
import { GraphError } from './graph-error.js';

/** The Instagram Send API: `POST /{version}/{IG_ACCOUNT_ID}/messages`. One attempt, never a retry. */
@injectable()
export class GraphMessageSender implements MessageSender {
  private readonly client: GraphClient;

  constructor(
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'graph' | 'instagram'>,
    @inject(TOKENS.Metrics) metrics: Metrics,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {
    this.client = new GraphClient(config.graph, config.instagram.accessToken ?? '', metrics);
  }

  async send(outgoing: OutgoingMessage): Promise<SentMessage> {
    const { accountId } = this.config.instagram;
    const body = {
      recipient: { id: outgoing.recipientId },
      ...(outgoing.humanAgent ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : {}),
      message: outgoing.content.kind === 'text'
        ? { text: outgoing.content.text }
        : { attachment: { type: 'image', payload: { url: outgoing.content.url } } },
    };
    let answer: Record<string, unknown>;
    try {
      answer = await this.client.call({ operation: 'send', method: 'POST', path: `${encodeURIComponent(accountId)}/messages`, body });
    } catch (error) {
      const details = error instanceof GraphError ? { reason: error.reason, graph: error.meta } : {};
      this.logger.warn({ recipient: outgoing.recipientId, ...details, err: error }, 'send refused or failed; nothing stored');
      throw error;
    }
    const mid = answer.message_id;
    if (typeof mid !== 'string' || mid.length === 0) {
      // Meta said 2xx without a message id: it may have gone out, but it cannot be stored under its mid.
      this.logger.error({ recipient: outgoing.recipientId, answer }, 'Send API answered without message_id');
      throw new GraphError('graph_error', 'Meta answered the send without a message_id; the message may have gone out (its echo will show it)', 'invalid_response');
    }
    this.logger.info({ recipient: outgoing.recipientId, mid }, 'message sent');
    return {
      mid,
      accountId: /^me$/i.test(accountId) ? null : accountId,
      raw: JSON.stringify({ request: body, response: answer }),
    };
  }
}
