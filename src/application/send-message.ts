import { inject, injectable } from 'tsyringe';
import type { Clock } from '../domain/clock.js';
import { DomainError } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import type { OutgoingMessage } from '../domain/outgoing-message.js';
import { TOKENS } from '../tokens.js';
import type { AccountStore } from './ports/account-store.js';
import type { ConversationReader } from './ports/conversation-reader.js';
import type { MessageMirror } from './ports/message-mirror.js';
import type { MessageSender } from './ports/message-sender.js';
import type { MessageStore } from './ports/message-store.js';

/**
 * SPEC §3, §12: the reply goes from one account — `account_id`, else the one the customer talks
 * to, else the only one — to Meta first; only a send Meta accepted is stored, under the `mid`
 * Meta returned (so the echo webhook that follows is a duplicate), and then mirrored like any
 * other message. A refused or unanswered send stores nothing and is never retried here.
 */
@injectable()
export class SendMessage {
  constructor(
    @inject(TOKENS.MessageSender) private readonly sender: MessageSender,
    @inject(TOKENS.MessageStore) private readonly store: MessageStore,
    @inject(TOKENS.MessageMirror) private readonly mirror: MessageMirror,
    @inject(TOKENS.ConversationReader) private readonly reader: ConversationReader,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.AccountStore) private readonly accounts: AccountStore,
  ) {}

  async execute(outgoing: OutgoingMessage): Promise<Message> {
    const customerId = outgoing.recipientId;
    const accountId = await this.accountFor(customerId, outgoing.accountId ?? null);
    const sent = await this.sender.send(outgoing, accountId);
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

  /** The account to send from; `400 account_required` when more than one could be meant. */
  private async accountFor(customerId: string, given: string | null): Promise<string> {
    const talking = await this.reader.accountsOf(customerId);
    if (given !== null) {
      // An account the customer writes to but igbridge has no token for is the sender's to refuse (503, saying what to do).
      if (this.accounts.get(given) || talking.includes(given)) return given;
      throw new DomainError('unknown_account', `account_id ${given} is not one of igbridge's accounts (GET /api/accounts lists them; npm run accounts -- add adds one)`, { field: 'account_id' });
    }
    const candidates = talking.length > 0 ? talking : this.accounts.list().map((account) => account.id);
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length === 0) {
      throw new DomainError('graph_not_configured', 'igbridge has no Instagram account to send from: set IG_ACCESS_TOKEN (and IG_ACCOUNT_ID) in its .env, or run npm run accounts -- add --token <token>');
    }
    const why = talking.length > 0 ? `talks to ${candidates.length} of igbridge's accounts` : `has no conversation yet and igbridge has ${candidates.length} accounts`;
    throw new DomainError('account_required', `recipient ${customerId} ${why} (${candidates.join(', ')}): say which one sends with account_id`, { field: 'account_id', accounts: candidates });
  }
}
