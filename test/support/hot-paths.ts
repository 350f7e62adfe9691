import type { ConversationReader } from '../../src/application/ports/conversation-reader.js';
import { PENDING, type CrmOutbox } from '../../src/application/ports/crm-outbox.js';
import type { MessageStore } from '../../src/application/ports/message-store.js';
import type { ProfileCache } from '../../src/application/ports/profile-cache.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import { newMessage } from '../contract/message-store.contract.js';

/**
 * Everything a request path asks of a store (a webhook's events of every kind, the read API's
 * pages with and without cursors and accounts, the outbox's rounds, the contacts), once, so that a
 * test can record the statements the store sent and explain each (the query-plan tests).
 * `later(ms)` moves the clock the store was given.
 */
export async function exerciseHotPaths(
  parts: { store: MessageStore; reader: ConversationReader; outbox: CrmOutbox; profiles: ProfileCache },
  clock: { now(): number; later(ms: number): void },
): Promise<void> {
  const { store, reader, outbox, profiles } = parts;
  const events: InstagramEvent[] = [];
  for (let i = 0; i < 300; i++) events.push({ kind: 'message', message: newMessage(`m${i}`, { customerId: `c${i % 30}`, sentAt: i, direction: i % 3 ? 'in' : 'out' }) });
  await store.record(events);
  clock.later(2 * 3_600_000);
  await store.record([
    { kind: 'reaction', mid: 'later', action: 'react', reaction: 'love', emoji: '❤️', at: 1 },
    { kind: 'reaction', mid: 'later', action: 'react', reaction: 'love', emoji: '❤️', at: 2 },
    { kind: 'message', message: newMessage('later', { customerId: 'c1', sentAt: 400 }) },
    { kind: 'message', message: newMessage('reply', { customerId: 'c1', sentAt: 401, direction: 'out' }) },
    { kind: 'read', mid: 'm3', at: 5 },
    { kind: 'unsend', mid: 'm4', at: 6 },
    { kind: 'edit', mid: 'm5', text: 'edited', editCount: 1, at: 7 },
  ]);
  const page = await reader.conversations({ limit: 10, before: null });
  await reader.conversations({ limit: 10, before: { sentAt: page.at(-1)!.lastMessage.sentAt, id: page.at(-1)!.lastMessage.id } });
  await reader.messages('c1', { limit: 5, before: null });
  await reader.messages('c1', { limit: 5, before: { sentAt: 200, id: 200 } });
  await reader.message('m1');
  await reader.conversations({ limit: 10, before: null, accountId: 'acct' });
  await reader.conversations({ limit: 10, before: { sentAt: 300, id: 300 }, accountId: 'acct' });
  await reader.messages('c1', { limit: 5, before: null, accountId: 'acct' });
  await reader.accountsOf('c1');
  const due = await outbox.due(PENDING, false, clock.now(), 100);
  await outbox.due(PENDING, true, clock.now(), 100);
  await outbox.markInDoubt(due.slice(0, 10).map((m) => m.id));
  await outbox.markMirrored(due.slice(0, 10).map((m) => m.id), clock.now());
  await outbox.nextDueAt();
  await outbox.counts();
  await outbox.markChangesSent(await outbox.changed(100));
  await profiles.get('c1');
  await profiles.saveProfile('c1', { username: 'one', name: null }, clock.now());
}
