import { describe, expect, it } from 'vitest';
import type { ConversationReader } from '../../src/application/ports/conversation-reader.js';
import type { MessageMirror } from '../../src/application/ports/message-mirror.js';
import type { MessageSender, SentMessage } from '../../src/application/ports/message-sender.js';
import type { MessageStore, RecordResult } from '../../src/application/ports/message-store.js';
import { SendMessage } from '../../src/application/send-message.js';
import { DomainError } from '../../src/domain/errors.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import type { Message, NewMessage } from '../../src/domain/message.js';
import type { OutgoingMessage } from '../../src/domain/outgoing-message.js';
import { FakeAccountStore } from '../support/fake-account-store.js';

const NOW = Date.UTC(2026, 10, 26, 12);

class FakeSender implements MessageSender {
  readonly sent: Array<{ message: OutgoingMessage; accountId: string }> = [];
  constructor(private readonly answer: SentMessage | Error) {}
  async send(message: OutgoingMessage, accountId: string): Promise<SentMessage> {
    this.sent.push({ message, accountId });
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

function stored(message: NewMessage): Message {
  return {
    ...message, origin: message.origin ?? 'webhook', id: 1, receivedAt: NOW, reaction: null, readAt: null, deletedAt: null, editedAt: null, editCount: 0,
    crm: { state: 'pending', attempts: 0, lastError: null, mirroredAt: null, changePending: false },
  };
}

class FakeStore implements MessageStore {
  readonly recorded: InstagramEvent[][] = [];
  constructor(private readonly duplicate = false) {}
  async record(events: InstagramEvent[]): Promise<RecordResult> {
    this.recorded.push(events);
    const messages = events.flatMap((e) => (e.kind === 'message' && !this.duplicate ? [stored(e.message)] : []));
    return { stored: messages, duplicates: this.duplicate ? 1 : 0, applied: 0, deferred: 0, expired: 0 };
  }
}

class FakeMirror implements MessageMirror {
  readonly mirrored: Message[] = [];
  async mirror(messages: Message[]): Promise<void> {
    this.mirrored.push(...messages);
  }
}

function fakeReader(thread: Message[] = [], talksTo: string[] = ['1784']): ConversationReader {
  return {
    ping: async () => {},
    conversations: async () => [],
    messages: async () => ({ messages: thread.slice(-1), nextBefore: null }),
    message: async (mid) => thread.find((m) => m.mid === mid) ?? null,
    accountsOf: async () => talksTo,
    changeMark: () => null,
  };
}

const ONE_ACCOUNT = new FakeAccountStore({ id: '1784' });

const TEXT: OutgoingMessage = { recipientId: '6000000000000001', content: { kind: 'text', text: 'hello' }, humanAgent: false };

describe('SendMessage', () => {
  it('when Meta accepts, then the message is stored outbound under its mid and handed to the mirror', async () => {
    const store = new FakeStore();
    const mirror = new FakeMirror();
    const send = new SendMessage(new FakeSender({ mid: 'm.1', raw: '{}' }), store, mirror, fakeReader(), { now: () => NOW }, ONE_ACCOUNT);

    const message = await send.execute(TEXT);

    expect(store.recorded).toEqual([[{
      kind: 'message',
      message: { mid: 'm.1', accountId: '1784', customerId: '6000000000000001', direction: 'out', text: 'hello', attachments: [], replyTo: null, payload: null, sentAt: NOW, raw: '{}', origin: 'api' },
    }]]);
    expect(mirror.mirrored).toEqual([message]);
  });

  it('when an image is sent, then it is stored as an image attachment without text', async () => {
    const store = new FakeStore();
    const send = new SendMessage(new FakeSender({ mid: 'm.2', raw: '{}' }), store, new FakeMirror(), fakeReader(), { now: () => NOW }, ONE_ACCOUNT);

    const message = await send.execute({ ...TEXT, content: { kind: 'image', url: 'https://x.example/a.png' } });

    expect(message).toMatchObject({ text: null, attachments: [{ type: 'image', url: 'https://x.example/a.png' }] });
  });

  it('when Meta refuses, then the error goes to the caller and nothing is stored or mirrored', async () => {
    const store = new FakeStore();
    const mirror = new FakeMirror();
    const send = new SendMessage(new FakeSender(new DomainError('graph_error', 'refused')), store, mirror, fakeReader(), { now: () => NOW }, ONE_ACCOUNT);

    await expect(send.execute(TEXT)).rejects.toMatchObject({ code: 'graph_error' });
    expect(store.recorded).toEqual([]);
    expect(mirror.mirrored).toEqual([]);
  });

  it('when the customer talks to one account, then that account sends, without account_id', async () => {
    const sender = new FakeSender({ mid: 'm.3', raw: '{}' });
    const send = new SendMessage(sender, new FakeStore(), new FakeMirror(), fakeReader([], ['222']), { now: () => NOW }, new FakeAccountStore({ id: '111' }, { id: '222' }));

    expect(await send.execute(TEXT)).toMatchObject({ accountId: '222' });
    expect(sender.sent.map((s) => s.accountId)).toEqual(['222']);
  });

  it('when the customer talks to several accounts and no account_id is given, then 400 account_required names them and nothing is sent', async () => {
    const sender = new FakeSender({ mid: 'm.5', raw: '{}' });
    const send = new SendMessage(sender, new FakeStore(), new FakeMirror(), fakeReader([], ['111', '222']), { now: () => NOW }, new FakeAccountStore({ id: '111' }, { id: '222' }));

    await expect(send.execute(TEXT)).rejects.toMatchObject({ code: 'account_required', details: { field: 'account_id', accounts: ['111', '222'] } });
    expect(await send.execute({ ...TEXT, accountId: '111' })).toMatchObject({ accountId: '111' });
    expect(sender.sent.map((s) => s.accountId)).toEqual(['111']);
  });

  it('when a new customer is written to, then the only account sends; with several accounts, account_id is required', async () => {
    const one = new SendMessage(new FakeSender({ mid: 'm.6', raw: '{}' }), new FakeStore(), new FakeMirror(), fakeReader([], []), { now: () => NOW }, new FakeAccountStore({ id: '111' }));
    const two = new SendMessage(new FakeSender({ mid: 'm.7', raw: '{}' }), new FakeStore(), new FakeMirror(), fakeReader([], []), { now: () => NOW }, new FakeAccountStore({ id: '111' }, { id: '222' }));
    const none = new SendMessage(new FakeSender({ mid: 'm.8', raw: '{}' }), new FakeStore(), new FakeMirror(), fakeReader([], []), { now: () => NOW }, new FakeAccountStore());

    expect(await one.execute(TEXT)).toMatchObject({ accountId: '111' });
    await expect(two.execute(TEXT)).rejects.toMatchObject({ code: 'account_required' });
    await expect(none.execute(TEXT)).rejects.toMatchObject({ code: 'graph_not_configured' });
  });

  it('when account_id names no account of igbridge, then 400 unknown_account and nothing is sent', async () => {
    const sender = new FakeSender({ mid: 'm.9', raw: '{}' });
    const send = new SendMessage(sender, new FakeStore(), new FakeMirror(), fakeReader(), { now: () => NOW }, ONE_ACCOUNT);

    await expect(send.execute({ ...TEXT, accountId: '999' })).rejects.toMatchObject({ code: 'unknown_account', details: { field: 'account_id' } });
    expect(sender.sent).toEqual([]);
  });

  it('when the echo overtook Meta answer, then the stored echo is returned and nothing is mirrored twice', async () => {
    const echo = stored({ mid: 'm.4', accountId: '1784', customerId: '6000000000000001', direction: 'out', text: 'hello', attachments: [], replyTo: null, payload: null, sentAt: 5, raw: '{}' });
    const mirror = new FakeMirror();
    const send = new SendMessage(new FakeSender({ mid: 'm.4', raw: '{}' }), new FakeStore(true), mirror, fakeReader([echo]), { now: () => NOW }, ONE_ACCOUNT);

    expect(await send.execute(TEXT)).toBe(echo);
    expect(mirror.mirrored).toEqual([]);
  });
});
