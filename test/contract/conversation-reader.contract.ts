import { describe, expect, it } from 'vitest';
import type { ConversationReader, ConversationSummary, Cursor } from '../../src/application/ports/conversation-reader.js';
import type { MessageStore } from '../../src/application/ports/message-store.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import type { Message, NewMessage } from '../../src/domain/message.js';
import { newMessage } from './message-store.contract.js';

/** A reader under test, over the store that writes what it reads, and a way to name a customer (the profile cache's job). */
export interface ReaderUnderTest {
  store: MessageStore;
  reader: ConversationReader;
  contact(customerId: string, username: string | null, name: string | null): Promise<void>;
}

const message = (mid: string, overrides: Partial<NewMessage> = {}): InstagramEvent => ({ kind: 'message', message: newMessage(mid, overrides) });
const cursorOf = (summary: ConversationSummary): Cursor => ({ sentAt: summary.lastMessage.sentAt, id: summary.lastMessage.id });

/** Every page of the list, `limit` at a time. */
export async function allConversations(reader: ConversationReader, limit: number, accountId: string | null = null): Promise<ConversationSummary[][]> {
  const pages: ConversationSummary[][] = [];
  let before: Cursor | null = null;
  for (;;) {
    const page = await reader.conversations({ limit, before, accountId });
    if (page.length === 0) return pages;
    pages.push(page);
    before = cursorOf(page.at(-1)!);
  }
}

/** Every page of one thread, newest page first. */
export async function wholeThread(reader: ConversationReader, userId: string, limit: number, accountId: string | null = null): Promise<Message[][]> {
  const pages: Message[][] = [];
  let before: Cursor | null = null;
  do {
    const page = await reader.messages(userId, { limit, before, accountId });
    pages.push(page.messages);
    before = page.nextBefore;
  } while (before);
  return pages;
}

/** What every ConversationReader answers for the same recorded events (SQLite, PostgreSQL). */
export function conversationReaderContract(name: string, create: () => Promise<ReaderUnderTest>): void {
  describe(`ConversationReader contract: ${name}`, () => {
    it('when conversations are listed, then one row per (account, customer), newest last message first, with counts and the contact', async () => {
      const { store, reader, contact } = await create();
      await store.record([
        message('a1', { customerId: 'alice', sentAt: 10 }),
        message('a2', { customerId: 'alice', sentAt: 30, direction: 'out', text: null, attachments: [{ type: 'image', url: 'https://cdn.example/1.jpg' }] }),
        message('b1', { customerId: 'bob', sentAt: 20 }),
        message('b2', { customerId: 'bob', sentAt: 25 }),
        message('s1', { customerId: 'alice', accountId: 'shop', sentAt: 5 }),
      ]);
      await contact('alice', 'alice.ig', 'Alice');

      const list = await reader.conversations({ limit: 10, before: null });

      expect(list.map((c) => [c.accountId, c.userId, c.lastMessage.mid])).toEqual([['acct', 'alice', 'a2'], ['acct', 'bob', 'b2'], ['shop', 'alice', 's1']]);
      expect(list[0]).toEqual({
        accountId: 'acct', userId: 'alice', username: 'alice.ig', name: 'Alice', messageCount: 2, unreadCount: 0,
        lastMessage: { id: expect.any(Number), mid: 'a2', direction: 'out', text: null, attachments: [{ type: 'image', url: 'https://cdn.example/1.jpg' }], sentAt: 30, deleted: false },
      });
      expect(list[1]).toMatchObject({ username: null, name: null, messageCount: 2, unreadCount: 2 });
    });

    it('when the list is paged, then the pages follow one another through ties in time, and an account filters it', async () => {
      const { store, reader } = await create();
      await store.record(Array.from({ length: 7 }, (_, i) => message(`m${i}`, { customerId: `c${i}`, sentAt: i < 4 ? 100 : 50 + i, accountId: i % 2 ? 'odd' : 'even' })));

      const pages = await allConversations(reader, 3);
      const even = await allConversations(reader, 2, 'even');

      expect(pages.map((page) => page.map((c) => c.userId))).toEqual([['c3', 'c2', 'c1'], ['c0', 'c6', 'c5'], ['c4']]);
      expect(even.flat().map((c) => c.userId)).toEqual(['c2', 'c0', 'c6', 'c4']);
    });

    it('when a thread is paged, then each page is oldest first, the pages go back in time, and nextBefore ends them', async () => {
      const { store, reader } = await create();
      await store.record(Array.from({ length: 5 }, (_, i) => message(`t${i}`, { sentAt: i < 2 ? 7 : 10 * i })));
      await store.record([message('other', { customerId: 'someone else' })]);

      const pages = await wholeThread(reader, 'cust', 2);

      expect(pages.map((page) => page.map((m) => m.mid))).toEqual([['t3', 't4'], ['t1', 't2'], ['t0']]);
      expect(await reader.messages('nobody', { limit: 5, before: null })).toEqual({ messages: [], nextBefore: null });
    });

    it('when one customer writes to two accounts, then a thread can be one account\'s, and each message is read by its own conversation\'s watermark', async () => {
      const { store, reader } = await create();
      await store.record([
        message('s1', { accountId: 'shop', sentAt: 10, direction: 'out' }),
        message('o1', { accountId: 'outlet', sentAt: 15, direction: 'out' }),
        message('s2', { accountId: 'shop', sentAt: 20 }),
        { kind: 'read', mid: 's1', at: 30 },
      ]);

      const all = await reader.messages('cust', { limit: 10, before: null });
      const shop = await reader.messages('cust', { limit: 10, before: null, accountId: 'shop' });

      expect(all.messages.map((m) => [m.mid, m.readAt])).toEqual([['s1', 30], ['o1', null], ['s2', null]]);
      expect(shop.messages.map((m) => m.mid)).toEqual(['s1', 's2']);
      expect(await reader.accountsOf('cust')).toEqual(['shop', 'outlet']);
      expect(await reader.accountsOf('nobody')).toEqual([]);
    });

    it('when a message is asked for by mid, then it comes with its changes, the same as in its thread, and an unknown mid is null', async () => {
      const { store, reader } = await create();
      await store.record([
        message('a', { direction: 'out', replyTo: { storyId: 's', storyUrl: 'https://cdn.example/s' }, payload: 'P', attachments: [{ type: 'image', url: 'https://cdn.example/a.jpg' }] }),
        { kind: 'reaction', mid: 'a', action: 'react', reaction: 'love', emoji: '❤️', at: 3 },
        { kind: 'edit', mid: 'a', text: 'better', editCount: 1, at: 4 },
        { kind: 'read', mid: 'a', at: 5 },
      ]);

      expect(await reader.message('a')).toMatchObject({
        mid: 'a', text: 'better', editCount: 1, editedAt: 4, replyTo: { storyId: 's', storyUrl: 'https://cdn.example/s' }, payload: 'P',
        reaction: { reaction: 'love', emoji: '❤️', at: 3 }, readAt: 5, origin: 'webhook',
        crm: { state: 'pending', attempts: 0, lastError: null, mirroredAt: null, changePending: false },
      });
      // The thread page reads its rows its own way (raw rows in SQLite): every field must come out the same.
      expect((await reader.messages('cust', { limit: 10, before: null })).messages).toEqual([await reader.message('a')]);
      expect(await reader.message('missing')).toBeNull();
    });

    it('when the store can write, then ping resolves', async () => {
      const { reader } = await create();
      await expect(reader.ping()).resolves.toBeUndefined();
    });
  });
}
