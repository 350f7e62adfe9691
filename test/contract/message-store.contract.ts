import { describe, expect, it } from 'vitest';
import type { MessageStore } from '../../src/application/ports/message-store.js';
import type { NewMessage } from '../../src/domain/message.js';

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

/** What every MessageStore promises, run against each implementation. */
export function messageStoreContract(name: string, create: () => Promise<MessageStore>): void {
  describe(`MessageStore contract: ${name}`, () => {
    it('when a new message is recorded, then it is returned as stored', async () => {
      const store = await create();
      const result = await store.record([{ kind: 'message', message: newMessage('a') }]);
      expect(result.stored).toHaveLength(1);
      expect(result.stored[0]).toMatchObject({ mid: 'a', text: 'text of a', direction: 'in', customerId: 'cust', deletedAt: null, editCount: 0 });
    });

    it('when a mid is recorded twice, then the second is a duplicate', async () => {
      const store = await create();
      await store.record([{ kind: 'message', message: newMessage('a') }]);
      const again = await store.record([{ kind: 'message', message: newMessage('a', { text: 'changed' }) }]);
      expect(again).toMatchObject({ stored: [], duplicates: 1 });
    });

    it('when a change names a stored message, then it is applied', async () => {
      const store = await create();
      await store.record([{ kind: 'message', message: newMessage('a') }]);
      const result = await store.record([{ kind: 'unsend', mid: 'a', at: 5 }]);
      expect(result).toMatchObject({ applied: 1, deferred: 0 });
    });

    it('when a change comes before its message, then it is deferred and applied on arrival', async () => {
      const store = await create();
      expect(await store.record([{ kind: 'edit', mid: 'a', text: 'edited', editCount: 1, at: 9 }])).toMatchObject({ deferred: 1 });
      const { stored } = await store.record([{ kind: 'message', message: newMessage('a') }]);
      expect(stored[0]).toMatchObject({ text: 'edited', editCount: 1, editedAt: 9 });
    });
  });
}
