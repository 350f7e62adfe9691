import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PENDING } from '../../src/application/ports/crm-outbox.js';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { SqliteConversationReader, SUMMARIES_KEPT } from '../../src/adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteCrmOutbox } from '../../src/adapters/sqlite/sqlite-crm-outbox.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { SqliteProfileCache } from '../../src/adapters/sqlite/sqlite-profile-cache.js';
import { newMessage } from '../contract/message-store.contract.js';
import { allConversations, wholeThread } from '../contract/conversation-reader.contract.js';
import { random, recordedEvents } from '../support/recorded-deliveries.js';

const CUSTOMERS = ['c1', 'c2', 'c3', 'c4', 'nobody'];

function open() {
  const path = join(mkdtempSync(join(tmpdir(), 'igbridge-marks-')), 'store.db');
  const db = openSqlite(path);
  let now = 1_800_000_000_000;
  const clock = { now: () => (now += 1000) };
  return {
    path,
    db,
    clock,
    store: new SqliteMessageStore(db, { crm: { enabled: true } as never, deferredChangeTtlMs: 48 * 3_600_000 }, clock),
    reader: new SqliteConversationReader(db, noOpMetrics),
    outbox: new SqliteCrmOutbox(db),
    profiles: new SqliteProfileCache(db, clock),
  };
}

/**
 * The read cache's promise (ReadPageCache, ConversationReader.changeMark): a page read after a
 * mark was taken may be answered again for as long as the mark is the same. Here every kind of
 * write the service and its tools make, and another connection's, is interleaved with marks and
 * pages, and every page whose mark stayed is checked to be the page a fresh read gives.
 */
describe('SqliteConversationReader.changeMark', () => {
  it('when deliveries of every kind, CRM marks, contacts and another connection\'s writes come, then a page under an unchanged mark is still the page', async () => {
    const { path, db, clock, store, reader, outbox, profiles } = open();
    const other = new Database(path);
    const next = random(7);
    const pages = async () => ({
      list: { mark: reader.changeMark(null), pages: [await allConversations(reader, 3), await allConversations(reader, 2, 'shop')] },
      threads: await Promise.all(CUSTOMERS.map(async (customer) => ({
        mark: reader.changeMark(customer),
        pages: [await wholeThread(reader, customer, 4), await wholeThread(reader, customer, 3, 'outlet')],
      }))),
    });
    let seen = await pages();
    const kept = { list: 0, threads: 0 };
    const moved = { list: 0, threads: 0 };

    for (const [d, events] of recordedEvents().entries()) {
      const step = d % 6;
      if (step === 0) await store.record(events);
      else if (step === 1) {
        // The mirror's rounds: claimed, mirrored, changes sent.
        const due = await outbox.due(PENDING, false, clock.now(), 3);
        await outbox.markInDoubt(due.map((m) => m.id));
        await outbox.markMirrored(due.slice(0, 2).map((m) => m.id), clock.now());
        await outbox.markChangesSent(await outbox.changed(2));
        await store.record(events);
      } else if (step === 2) {
        await profiles.saveProfile(CUSTOMERS[Math.floor(next() * 4)]!, { username: `user${d}`, name: null }, clock.now());
      } else if (step === 3) {
        // Another process writes: a command-line tool, a second service on the same file.
        other.prepare("UPDATE messages SET text = 'changed elsewhere ' || ? WHERE id = (SELECT id FROM messages ORDER BY random() LIMIT 1)").run(d);
      } else {
        await store.record(events);
      }

      // The list rows the reader keeps between pages (its summaries) are those a reader keeping none reads.
      const fresh = new SqliteConversationReader(db, noOpMetrics);
      expect(await allConversations(reader, 3), `list after step ${d}`).toEqual(await allConversations(fresh, 3));
      expect(await reader.conversations({ limit: 50, before: null, accountId: 'shop' })).toEqual(await fresh.conversations({ limit: 50, before: null, accountId: 'shop' }));

      const now = await pages();
      if (now.list.mark === seen.list.mark) {
        kept.list += 1;
        expect(now.list.pages, `list after step ${d}`).toEqual(seen.list.pages);
      } else moved.list += 1;
      now.threads.forEach((thread, i) => {
        if (thread.mark === seen.threads[i]!.mark) {
          kept.threads += 1;
          expect(thread.pages, `thread of ${CUSTOMERS[i]} after step ${d}`).toEqual(seen.threads[i]!.pages);
        } else moved.threads += 1;
      });
      seen = now;
    }

    // The check means something: marks both stayed and moved, for the list and the threads.
    expect(kept.list).toBeGreaterThan(0);
    expect(moved.list).toBeGreaterThan(20);
    expect(kept.threads).toBeGreaterThan(100);
    expect(moved.threads).toBeGreaterThan(100);
    other.close();
  });

  it('when one customer\'s message is stored, then the list\'s mark and that thread\'s move and another customer\'s does not', async () => {
    const { store, reader } = open();
    await store.record([{ kind: 'message', message: newMessage('m.a', { customerId: 'alice' }) }, { kind: 'message', message: newMessage('m.b', { customerId: 'bob' }) }]);
    const before = { list: reader.changeMark(null), alice: reader.changeMark('alice'), bob: reader.changeMark('bob') };
    expect(reader.changeMark(null)).toBe(before.list); // nothing happened: the same marks

    await store.record([{ kind: 'message', message: newMessage('m.a2', { customerId: 'alice', sentAt: 1_700_000_001_000 }) }]);

    expect(reader.changeMark(null)).not.toBe(before.list);
    expect(reader.changeMark('alice')).not.toBe(before.alice);
    expect(reader.changeMark('bob')).toBe(before.bob);
  });

  it('when a read receipt moves a conversation\'s watermark, then that thread\'s mark moves', async () => {
    const { store, reader } = open();
    await store.record([{ kind: 'message', message: newMessage('m.out', { customerId: 'alice', direction: 'out' }) }]);
    const before = reader.changeMark('alice');

    await store.record([{ kind: 'read', mid: 'm.out', at: 1_700_000_005_000 }]);

    expect(reader.changeMark('alice')).not.toBe(before);
    expect((await reader.messages('alice', { limit: 5, before: null })).messages[0]!.readAt).toBe(1_700_000_005_000);
  });

  it('when a contact\'s name changes, then the list\'s mark moves and that customer\'s (their list row shows it), not another\'s', async () => {
    const { store, reader, profiles, clock } = open();
    await store.record([{ kind: 'message', message: newMessage('m.a', { customerId: 'alice' }) }, { kind: 'message', message: newMessage('m.b', { customerId: 'bob' }) }]);
    await reader.conversations({ limit: 10, before: null });
    const before = { list: reader.changeMark(null), alice: reader.changeMark('alice'), bob: reader.changeMark('bob') };

    await profiles.saveProfile('alice', { username: 'alice_ig', name: 'Alice' }, clock.now());

    expect(reader.changeMark(null)).not.toBe(before.list);
    expect(reader.changeMark('alice')).not.toBe(before.alice);
    expect(reader.changeMark('bob')).toBe(before.bob);
    expect((await reader.conversations({ limit: 10, before: null })).find((c) => c.userId === 'alice')).toMatchObject({ username: 'alice_ig', name: 'Alice' });
  });

  it('when another connection commits, even to a table no page reads, then every mark moves (its rows cannot be told apart)', async () => {
    const { path, store, reader } = open();
    await store.record([{ kind: 'message', message: newMessage('m.a', { customerId: 'alice' }) }]);
    const before = { list: reader.changeMark(null), alice: reader.changeMark('alice') };
    const other = new Database(path);

    other.prepare('UPDATE health SET checked_at = 1 WHERE id = 1').run();
    other.prepare("INSERT INTO health (id, checked_at) VALUES (1, 2) ON CONFLICT(id) DO UPDATE SET checked_at = 2").run();

    expect(reader.changeMark(null)).not.toBe(before.list);
    expect(reader.changeMark('alice')).not.toBe(before.alice);
    other.close();
  });

  it('when a write is rolled back, then the marks have moved all the same (a page read again for nothing, never a stale one)', async () => {
    const { db, store, reader } = open();
    await store.record([{ kind: 'message', message: newMessage('m.a', { customerId: 'alice' }) }]);
    const before = reader.changeMark('alice');

    expect(() =>
      db.$client.transaction(() => {
        db.$client.prepare("UPDATE messages SET text = 'never' WHERE mid = 'm.a'").run();
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');

    expect(reader.changeMark('alice')).not.toBe(before);
    expect((await reader.messages('alice', { limit: 5, before: null })).messages[0]!.text).toBe('text of m.a');
  });

  it('when two readers share a connection, then both see its writes', async () => {
    const { db, store, reader } = open();
    const second = new SqliteConversationReader(db, noOpMetrics);
    const before = [reader.changeMark('alice'), second.changeMark('alice')];

    await store.record([{ kind: 'message', message: newMessage('m.a', { customerId: 'alice' }) }]);

    expect([reader.changeMark('alice'), second.changeMark('alice')]).not.toContain(before[0]);
    expect(second.changeMark('alice')).not.toBe(before[1]);
  });

  it('when more conversations are listed than the reader keeps rows for, then it keeps SUMMARIES_KEPT and every page is still right', async () => {
    const { store, db } = open();
    const kept: number[] = [];
    const reader = new SqliteConversationReader(db, { limitInUse: (resource, value) => void (resource === 'read_summaries' && kept.push(value)) });
    const count = SUMMARIES_KEPT + 150;
    await store.record(Array.from({ length: count }, (_, i) => ({ kind: 'message' as const, message: newMessage(`m.${i}`, { customerId: `c${i}`, sentAt: 1_700_000_000_000 + i }) })));

    const first = await allConversations(reader, 200);
    await store.record([{ kind: 'message', message: newMessage('m.new', { customerId: 'c7', sentAt: 1_800_000_000_000, text: 'back on top' }) }]);
    const second = await allConversations(reader, 200);

    expect(first.flat()).toHaveLength(count);
    expect(Math.max(...kept)).toBe(SUMMARIES_KEPT);
    expect(second).toEqual(await allConversations(new SqliteConversationReader(db, noOpMetrics), 200));
    expect(second[0]![0]).toMatchObject({ userId: 'c7', lastMessage: { text: 'back on top' }, messageCount: 2 });
  });
});
