import { describe, expect, it } from 'vitest';
import type { MessageStore } from '../../src/application/ports/message-store.js';
import type { Clock } from '../../src/domain/clock.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import type { Message, NewMessage } from '../../src/domain/message.js';

export function newMessage(mid: string, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    mid,
    accountId: 'acct',
    customerId: 'cust',
    direction: 'in',
    text: `text of ${mid}`,
    attachments: [],
    replyTo: null,
    payload: null,
    sentAt: 1_700_000_000_000,
    raw: '{}',
    ...overrides,
  };
}

/** A store under test, with how it reads one message back. */
export interface StoreUnderTest {
  store: MessageStore;
  find(mid: string): Promise<Message | null>;
}

const HOUR = 3_600_000;
const message = (mid: string, overrides: Partial<NewMessage> = {}): InstagramEvent => ({ kind: 'message', message: newMessage(mid, overrides) });

/**
 * What every MessageStore promises, run against each implementation. `create` gets a clock the
 * test moves; the store is configured with DEFERRED_CHANGE_TTL_H at its default (48 h).
 */
export function messageStoreContract(name: string, create: (clock: Clock) => Promise<StoreUnderTest>): void {
  const setUp = async () => {
    let now = 1_800_000_000_000;
    const subject = await create({ now: () => now });
    return { ...subject, later: (ms: number) => void (now += ms) };
  };

  describe(`MessageStore contract: ${name}`, () => {
    it('when a new message is recorded, then it is returned as stored', async () => {
      const { store } = await setUp();
      const result = await store.record([message('a')]);
      expect(result.stored).toHaveLength(1);
      expect(result.stored[0]).toMatchObject({ mid: 'a', text: 'text of a', direction: 'in', customerId: 'cust', deletedAt: null, editCount: 0 });
    });

    it('when a mid is recorded twice, then the second is a duplicate', async () => {
      const { store } = await setUp();
      await store.record([message('a')]);
      const again = await store.record([message('a', { text: 'changed' })]);
      expect(again).toMatchObject({ stored: [], duplicates: 1 });
    });

    it('when a message is unsent twice, then it is deleted as of the first', async () => {
      const { store, find } = await setUp();
      await store.record([message('a')]);
      expect(await store.record([{ kind: 'unsend', mid: 'a', at: 5 }, { kind: 'unsend', mid: 'a', at: 9 }])).toMatchObject({ applied: 2, deferred: 0 });
      expect(await find('a')).toMatchObject({ deletedAt: 5, text: 'text of a' });
    });

    it('when a reaction and its removal arrive out of order, then the later one wins', async () => {
      const { store, find } = await setUp();
      await store.record([
        message('a'),
        { kind: 'reaction', mid: 'a', action: 'unreact', reaction: null, emoji: null, at: 20 },
        { kind: 'reaction', mid: 'a', action: 'react', reaction: 'love', emoji: '❤️', at: 10 },
        message('b'),
        { kind: 'reaction', mid: 'b', action: 'react', reaction: 'love', emoji: '❤️', at: 30 },
      ]);
      expect((await find('a'))?.reaction).toBeNull();
      expect((await find('b'))?.reaction).toEqual({ reaction: 'love', emoji: '❤️', at: 30 });
    });

    it('when an edit is older than the stored one, then it is ignored', async () => {
      const { store, find } = await setUp();
      await store.record([
        message('a', { text: 'v0' }),
        { kind: 'edit', mid: 'a', text: 'v2', editCount: 2, at: 20 },
        { kind: 'edit', mid: 'a', text: 'v1', editCount: 1, at: 10 },
      ]);
      expect(await find('a')).toMatchObject({ text: 'v2', editCount: 2, editedAt: 20 });
    });

    it('when a read receipt arrives, then our messages up to the one read are read, later and inbound ones not', async () => {
      const { store, find } = await setUp();
      await store.record([
        message('o1', { direction: 'out', sentAt: 1 }),
        message('i1', { direction: 'in', sentAt: 2 }),
        message('o2', { direction: 'out', sentAt: 3 }),
        message('o3', { direction: 'out', sentAt: 4 }),
        message('x1', { direction: 'out', sentAt: 1, customerId: 'other' }),
      ]);
      expect(await store.record([{ kind: 'read', mid: 'o2', at: 10 }])).toMatchObject({ applied: 1 });
      expect(await Promise.all(['o1', 'i1', 'o2', 'o3', 'x1'].map(async (mid) => (await find(mid))?.readAt))).toEqual([10, null, 10, null, null]);
    });

    it('when an older read receipt comes after a newer one, then nothing read becomes unread', async () => {
      const { store, find } = await setUp();
      await store.record([message('o1', { direction: 'out', sentAt: 1 }), message('o2', { direction: 'out', sentAt: 2 })]);
      await store.record([{ kind: 'read', mid: 'o2', at: 20 }, { kind: 'read', mid: 'o1', at: 10 }]);
      expect((await find('o2'))?.readAt).toBe(20);
      expect((await find('o1'))?.readAt).toBe(20);
    });

    it('when a read receipt comes before its message, then it is deferred and the message arrives read', async () => {
      const { store } = await setUp();
      expect(await store.record([{ kind: 'read', mid: 'o1', at: 10 }])).toMatchObject({ deferred: 1 });
      const { stored } = await store.record([message('o1', { direction: 'out' })]);
      expect(stored[0]).toMatchObject({ mid: 'o1', readAt: 10 });
    });

    it('when a change comes before its message, then it is deferred and applied on arrival', async () => {
      const { store } = await setUp();
      expect(await store.record([{ kind: 'edit', mid: 'a', text: 'edited', editCount: 1, at: 9 }])).toMatchObject({ deferred: 1 });
      const { stored } = await store.record([message('a')]);
      expect(stored[0]).toMatchObject({ text: 'edited', editCount: 1, editedAt: 9 });
    });

    it('when the same kind of change waits several times for one mid, then the one that wins is applied', async () => {
      const { store } = await setUp();
      await store.record([
        { kind: 'reaction', mid: 'a', action: 'react', reaction: 'love', emoji: '❤️', at: 10 },
        { kind: 'reaction', mid: 'a', action: 'react', reaction: 'other', emoji: '😮', at: 30 },
        { kind: 'reaction', mid: 'a', action: 'unreact', reaction: null, emoji: null, at: 20 },
        { kind: 'unsend', mid: 'a', at: 40 },
      ]);
      const { stored } = await store.record([message('a')]);
      expect(stored[0]).toMatchObject({ reaction: { reaction: 'other', emoji: '😮', at: 30 }, deletedAt: 40 });
    });

    it('when a change waits longer than DEFERRED_CHANGE_TTL_H, then it is dropped and its late message stays as sent', async () => {
      const { store, later } = await setUp();
      await store.record([{ kind: 'unsend', mid: 'a', at: 5 }]);
      later(49 * HOUR);
      const result = await store.record([message('a')]);
      expect(result.expired).toBe(1);
      expect(result.stored[0]).toMatchObject({ mid: 'a', deletedAt: null });
    });

    it('when a change waits less than DEFERRED_CHANGE_TTL_H, then it is still applied', async () => {
      const { store, later } = await setUp();
      await store.record([{ kind: 'unsend', mid: 'a', at: 5 }]);
      later(47 * HOUR);
      const result = await store.record([message('a')]);
      expect(result).toMatchObject({ expired: 0 });
      expect(result.stored[0]).toMatchObject({ mid: 'a', deletedAt: 5 });
    });
  });
}
