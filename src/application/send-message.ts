import { inject, injectable } from 'tsyringe';
import type { Clock } from '../domain/clock.js';
import { DomainError } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import type { OutgoingMessage } from '../domain/outgoing-message.js';
import { TOKENS } from '../tokens.js';
import type { ConversationReader } from './ports/conversation-reader.js';
import type { MessageMirror } from './ports/message-mirror.js';
import type { MessageSender } from './ports/message-sender.js';
import type { MessageStore } from './ports/message-store.js';

/**
 * SPEC §3: the reply goes to Meta first; only a send Meta accepted is stored, under the `mid`
 * Meta returned (so the echo webhook that follows is a duplicate), and then mirrored like
 * any other message. A refused or unanswered send stores nothing and is never retried here.
 */
@injectable()
export class SendMessage {
  constructor(
    @inject(TOKENS.MessageSender) private readonly sender: MessageSender,
    @inject(TOKENS.MessageStore) private readonly store: MessageStore,
    @inject(TOKENS.MessageMirror) private readonly mirror: MessageMirror,
    @inject(TOKENS.ConversationReader) private readonly reader: ConversationReader,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  async execute(outgoing: OutgoingMessage): Promise<Message> {
    const sent = await this.sender.send(outgoing);
    const customerId = outgoing.recipientId;
    const accountId = sent.accountId ?? (await this.accountOf(customerId));
    const { content } = outgoing;
    const { stored } = await this.store.record([{
      kind: 'message',
      message: {
        mid: sent.mid,
        accountId,
        customerId,
        direction: 'out',
        text: content.kind === 'text' ? content.text : null,
        attachments: content.kind === 'image' ? [{ type: 'image', url: content.url }] : [],
        replyTo: null,
        payload: null,
        sentAt: this.clock.now(),
        raw: sent.raw,
        origin: 'api',
      },
    }]);
    if (stored.length > 0) await this.mirror.mirror(stored);
    // Nothing new: the echo webhook overtook Meta's answer and already stored (and mirrored) it.
    const message = stored[0] ?? (await this.reader.message(sent.mid));
    if (!message) throw new DomainError('internal_error', `message ${sent.mid} was sent but cannot be read back`);
    return message;
  }

  /** IG_ACCOUNT_ID=me: the account id Meta's webhooks gave for this conversation, if any. */
  private async accountOf(customerId: string): Promise<string> {
    const { messages } = await this.reader.messages(customerId, { limit: 1, before: null });
    return messages[0]?.accountId ?? 'me';
  }
}
