import { describe, expect, it } from 'vitest';
import type { MessageMirror } from '../../src/application/ports/message-mirror.js';
import type { Usernames } from '../../src/application/ports/usernames.js';
import { ReceiveMessage } from '../../src/application/receive-message.js';
import type { Message } from '../../src/domain/message.js';
import { newMessage } from '../contract/message-store.contract.js';
import { FakeMessageStore } from '../support/fake-message-store.js';

class RecordingMirror implements MessageMirror {
  readonly batches: Message[][] = [];
  constructor(private readonly store?: FakeMessageStore) {}
  async mirror(messages: Message[]): Promise<void> {
    // The messages must already be in the store when the mirror hears of them.
    for (const m of messages) if (this.store && !this.store.find(m.mid)) throw new Error(`${m.mid} not committed`);
    this.batches.push(messages);
  }
}

/** Records who was asked about; never answers, to show nobody waits for it. */
class PendingProfiles implements Usernames {
  readonly asked: string[] = [];
  request(customerId: string): void {
    this.asked.push(customerId);
  }
  of(): Promise<string | null> {
    return new Promise(() => {});
  }
}

describe('ReceiveMessage', () => {
  it('when new messages arrive, then they are stored first and then handed to the mirror', async () => {
    const store = new FakeMessageStore();
    const mirror = new RecordingMirror(store);
    const result = await new ReceiveMessage(store, mirror, new PendingProfiles()).execute([
      { kind: 'message', message: newMessage('a') },
      { kind: 'message', message: newMessage('b') },
    ]);
    expect(result.stored.map((m) => m.mid)).toEqual(['a', 'b']);
    expect(mirror.batches.map((b) => b.map((m) => m.mid))).toEqual([['a', 'b']]);
  });

  it('when only duplicates arrive, then the mirror hears nothing', async () => {
    const store = new FakeMessageStore();
    await store.record([{ kind: 'message', message: newMessage('a') }]);
    const mirror = new RecordingMirror();
    const result = await new ReceiveMessage(store, mirror, new PendingProfiles()).execute([{ kind: 'message', message: newMessage('a') }]);
    expect(result).toMatchObject({ duplicates: 1, applied: 0 });
    expect(mirror.batches).toEqual([]);
  });

  it('when a change is applied to a stored message, then the mirror is told, with no new message (an edit may reach the CRM)', async () => {
    const store = new FakeMessageStore();
    await store.record([{ kind: 'message', message: newMessage('a') }]);
    const mirror = new RecordingMirror();
    const result = await new ReceiveMessage(store, mirror, new PendingProfiles()).execute([{ kind: 'unsend', mid: 'a', at: 1 }]);
    expect(result).toMatchObject({ duplicates: 0, applied: 1 });
    expect(mirror.batches).toEqual([[]]);
  });

  it('when new messages arrive, then the username of each of their customers is asked for once, without waiting for the answer', async () => {
    const profiles = new PendingProfiles();
    const store = new FakeMessageStore();
    await store.record([{ kind: 'message', message: { ...newMessage('old'), customerId: 'c' } }]);

    const result = await new ReceiveMessage(store, new RecordingMirror(), profiles).execute([
      { kind: 'message', message: { ...newMessage('a'), customerId: 'x' } },
      { kind: 'message', message: { ...newMessage('b'), customerId: 'x' } },
      { kind: 'message', message: { ...newMessage('c'), customerId: 'y' } },
      { kind: 'message', message: { ...newMessage('old'), customerId: 'c' } },
    ]);

    expect(result.stored).toHaveLength(3);
    expect(profiles.asked).toEqual(['x', 'y']);
  });
});
