import type { FakeConversation, FakeHistoryMessage } from './fake-inbox.js';

/**
 * A conversation for the fake inbox: `count` messages one minute apart ending at `lastAt`,
 * the customer writing the even ones and the account the odd ones; mids `<id>.m<i>` (0 oldest).
 */
export function conversation(id: string, customer: { id: string; username: string }, count: number, lastAt: number): FakeConversation {
  const messages: FakeHistoryMessage[] = Array.from({ length: count }, (_, i) => ({
    id: `${id}.m${i}`,
    at: lastAt - (count - 1 - i) * 60_000,
    from: i % 2 === 0 ? 'customer' : 'account',
    text: `${id} message ${i}`,
  }));
  return { id, customer, messages };
}
