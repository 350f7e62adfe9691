import type { NewMessage } from '../domain/message.js';
import type { RemoteMessage, RemoteParty } from './ports/conversation-history.js';

/**
 * SPEC §11: a message read from the Conversations API, as igbridge stores it. `out` when the
 * account wrote it (`from.id`), else `in`; the customer is the other side. Null when neither
 * side is a customer (Meta named only the account).
 */
export function historyMessage(remote: RemoteMessage, accountId: string): { message: NewMessage; customer: RemoteParty } | null {
  const outbound = remote.from.id === accountId;
  const customer = outbound ? remote.to.find((party) => party.id !== accountId) : remote.from;
  if (!customer) return null;
  return {
    customer,
    message: {
      mid: remote.mid,
      accountId,
      customerId: customer.id,
      direction: outbound ? 'out' : 'in',
      text: remote.text,
      attachments: remote.attachments,
      replyTo: null,
      payload: null,
      sentAt: remote.createdAt,
      raw: remote.raw,
      origin: 'history',
    },
  };
}
