import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { SqliteConversationReader } from '../../src/adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import { newMessage } from '../contract/message-store.contract.js';
import { sqliteRows } from '../support/sqlite-rows.js';

const config = { crm: { enabled: false } as never, deferredChangeTtlMs: 48 * 3_600_000 };
const clock = { now: () => 1_800_000_000_000 };
const tempDir = () => mkdtempSync(join(tmpdir(), 'igbridge-summaries-'));

/** A temp folder with `old.db` and a copy of drizzle/ whose journal keeps only the migrations an older release had. */
function olderRelease(kept: (entry: { tag: string }, index: number) => boolean) {
  const dir = tempDir();
  const migrations = join(dir, 'drizzle');
  cpSync(new URL('../../drizzle', import.meta.url), migrations, { recursive: true });
  const journalPath = join(migrations, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.filter(kept) }));
  return { path: join(dir, 'old.db'), migrations };
}

/** The summaries as the old window-function query computed them from every message. */
const FROM_SCRATCH = `
  SELECT customer_id,
         (SELECT id FROM messages l WHERE l.customer_id = m.customer_id ORDER BY sent_at DESC, id DESC LIMIT 1) AS last_message_id,
         count(*) AS message_count,
         (SELECT count(*) FROM messages i WHERE i.customer_id = m.customer_id AND i.direction = 'in'
            AND i.sent_at > coalesce((SELECT max(sent_at) FROM messages o WHERE o.customer_id = m.customer_id AND o.direction = 'out'), -1)) AS unread_count
  FROM messages m GROUP BY customer_id ORDER BY customer_id`;
const KEPT = 'SELECT customer_id, last_message_id, message_count, unread_count FROM conversations ORDER BY customer_id';

/** A deterministic pseudo-random sequence (the same every run). */
function random(seed: number) {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

describe('conversation summaries', () => {
  it('when deliveries arrive out of order, redelivered, with echoes of our sends and unsends, then every summary equals the one computed from all messages', async () => {
    const path = join(tempDir(), 'store.db');
    const store = new SqliteMessageStore(openSqlite(path), config, clock);
    const next = random(7);
    const sent: string[] = [];
    for (let delivery = 0; delivery < 120; delivery++) {
      const events: InstagramEvent[] = [];
      for (let i = 0; i < 1 + Math.floor(next() * 4); i++) {
        const roll = next();
        if (roll < 0.15 && sent.length > 0) {
          // Redelivery, or the echo of a message /api/messages already stored: same mid.
          events.push({ kind: 'message', message: newMessage(sent[Math.floor(next() * sent.length)]!) });
        } else if (roll < 0.25 && sent.length > 0) {
          events.push({ kind: 'unsend', mid: sent[Math.floor(next() * sent.length)]!, at: delivery });
        } else {
          const mid = `m.${delivery}.${i}`;
          sent.push(mid);
          const customerId = `c${Math.floor(next() * 6)}`;
          // Times collide on purpose (ties are broken by id) and go backwards (late deliveries).
          const sentAt = 1_000 + Math.floor(next() * 50) * 10;
          events.push({ kind: 'message', message: newMessage(mid, { customerId, sentAt, direction: next() < 0.4 ? 'out' : 'in' }) });
        }
      }
      await store.record(events);
    }
    expect(sqliteRows(path, KEPT)).toEqual(sqliteRows(path, FROM_SCRATCH));
    expect(sqliteRows(path, 'SELECT count(*) AS n FROM conversations')).toEqual([{ n: 6 }]);
  });

  it('when the last message is unsent, then the list shows it deleted without changing the counts', async () => {
    const db = openSqlite(join(tempDir(), 'store.db'));
    const store = new SqliteMessageStore(db, config, clock);
    await store.record([
      { kind: 'message', message: newMessage('a', { sentAt: 1 }) },
      { kind: 'message', message: newMessage('b', { sentAt: 2 }) },
      { kind: 'unsend', mid: 'b', at: 3 },
    ]);
    const [summary] = await new SqliteConversationReader(db, noOpMetrics).conversations({ limit: 10, before: null });
    expect(summary).toMatchObject({ userId: 'cust', messageCount: 2, unreadCount: 2, lastMessage: { mid: 'b', deleted: true } });
  });

  it('when the list is read, then each summary carries its account, customer, contact, last message and counts', async () => {
    const db = openSqlite(join(tempDir(), 'store.db'));
    const store = new SqliteMessageStore(db, config, clock);
    const photo = [{ type: 'image', url: 'https://cdn.example/p.jpg' }];
    await store.record([
      { kind: 'message', message: newMessage('k1', { accountId: 'shop', customerId: 'kim', sentAt: 10 }) },
      { kind: 'message', message: newMessage('k2', { accountId: 'shop', customerId: 'kim', sentAt: 20, direction: 'out', text: null, attachments: photo }) },
      { kind: 'message', message: newMessage('lee1', { accountId: 'outlet', customerId: 'lee', sentAt: 5 }) },
      { kind: 'unsend', mid: 'lee1', at: 6 },
    ]);
    db.$client.prepare("INSERT INTO contacts (customer_id, username, name, fetched_at) VALUES ('kim', 'kim.shop', 'Kim Lee', 1)").run();

    const list = await new SqliteConversationReader(db, noOpMetrics).conversations({ limit: 10, before: null });

    expect(list).toEqual([
      {
        accountId: 'shop', userId: 'kim', username: 'kim.shop', name: 'Kim Lee', messageCount: 2, unreadCount: 0,
        lastMessage: { id: 2, mid: 'k2', direction: 'out', text: null, attachments: photo, sentAt: 20, deleted: false },
      },
      {
        accountId: 'outlet', userId: 'lee', username: null, name: null, messageCount: 1, unreadCount: 1,
        lastMessage: { id: 3, mid: 'lee1', direction: 'in', text: 'text of lee1', attachments: [], sentAt: 5, deleted: true },
      },
    ]);
  });

  it('when our reply is older than an inbound message, then that message stays unread; a newer reply clears it', async () => {
    const path = join(tempDir(), 'store.db');
    const store = new SqliteMessageStore(openSqlite(path), config, clock);
    await store.record([{ kind: 'message', message: newMessage('in1', { sentAt: 10 }) }, { kind: 'message', message: newMessage('in2', { sentAt: 20 }) }]);
    await store.record([{ kind: 'message', message: newMessage('late-out', { direction: 'out', sentAt: 15 }) }]);
    expect(sqliteRows(path, 'SELECT unread_count, last_message_id FROM conversations')).toEqual([{ unread_count: 1, last_message_id: 2 }]);
    await store.record([{ kind: 'message', message: newMessage('out', { direction: 'out', sentAt: 30 }) }]);
    expect(sqliteRows(path, 'SELECT unread_count, last_message_id FROM conversations')).toEqual([{ unread_count: 0, last_message_id: 4 }]);
  });

  it('when a database from before the summaries is opened, then the migrations build them, the read watermark and the CRM state counts from the history', () => {
    // The first migration only, as the previous release left the database.
    const { path, migrations } = olderRelease((_entry, index) => index === 0);
    const old = new Database(path);
    migrate(drizzle({ client: old }), { migrationsFolder: migrations });
    const insert = old.prepare(`INSERT INTO messages (mid, account_id, customer_id, direction, text, sent_at, received_at, raw, crm_state, read_at)
      VALUES (?, 'acct', ?, ?, ?, ?, 0, '{}', 'not_mirrored', ?)`);
    insert.run('a1', 'a', 'in', 'hi', 10, null);
    insert.run('a2', 'a', 'out', 'hello', 20, 25);
    insert.run('a3', 'a', 'out', 'still there?', 30, null);
    insert.run('a4', 'a', 'in', 'yes', 40, null);
    insert.run('b1', 'b', 'in', 'first', 5, null);
    old.close();

    openSqlite(path).$client.close();
    expect(sqliteRows(path, KEPT)).toEqual(sqliteRows(path, FROM_SCRATCH));
    expect(sqliteRows(path, 'SELECT customer_id, read_up_to, read_at FROM conversations ORDER BY customer_id')).toEqual([
      { customer_id: 'a', read_up_to: 20, read_at: 25 },
      { customer_id: 'b', read_up_to: null, read_at: null },
    ]);
    expect(sqliteRows(path, "SELECT count FROM crm_state_counts WHERE state = 'not_mirrored'")).toEqual([{ count: 5 }]);
  });
  it('when one customer writes to two accounts, then each account has its own conversation, counts and read watermark', async () => {
    const path = join(tempDir(), 'store.db');
    const db = openSqlite(path);
    const store = new SqliteMessageStore(db, config, clock);
    await store.record([
      { kind: 'message', message: newMessage('s1', { accountId: 'shop', sentAt: 10 }) },
      { kind: 'message', message: newMessage('s2', { accountId: 'shop', sentAt: 20, direction: 'out' }) },
      { kind: 'message', message: newMessage('o1', { accountId: 'outlet', sentAt: 15 }) },
      { kind: 'message', message: newMessage('o2', { accountId: 'outlet', sentAt: 16 }) },
      { kind: 'read', mid: 's2', at: 30 },
    ]);

    expect(sqliteRows(path, 'SELECT account_id, customer_id, message_count, unread_count, read_up_to FROM conversations ORDER BY account_id')).toEqual([
      { account_id: 'outlet', customer_id: 'cust', message_count: 2, unread_count: 2, read_up_to: null },
      { account_id: 'shop', customer_id: 'cust', message_count: 2, unread_count: 0, read_up_to: 20 },
    ]);
    const reader = new SqliteConversationReader(db, noOpMetrics);
    expect((await reader.conversations({ limit: 10, before: null, accountId: 'outlet' })).map((c) => [c.accountId, c.lastMessage.mid])).toEqual([['outlet', 'o2']]);
    expect(await reader.accountsOf('cust')).toEqual(['shop', 'outlet']);
    const thread = await reader.messages('cust', { limit: 10, before: null, accountId: 'shop' });
    expect(thread.messages.map((m) => [m.mid, m.readAt])).toEqual([['s1', null], ['s2', 30]]);
  });

  it('when a database from before the accounts is opened, then each conversation is split by account, the watermark kept, replies stored under "me" join their account, and history walks become that account\'s', () => {
    // Migrations up to 0007, as the release before the accounts left the database.
    const { path, migrations } = olderRelease((entry) => entry.tag < '0008');
    const old = new Database(path);
    migrate(drizzle({ client: old }), { migrationsFolder: migrations });
    const insert = old.prepare(`INSERT INTO messages (mid, account_id, customer_id, direction, text, sent_at, received_at, raw, crm_state)
      VALUES (?, ?, ?, ?, ?, ?, 0, '{}', 'not_mirrored')`);
    insert.run('a1', '1784', 'a', 'in', 'hi', 10);
    insert.run('a2', 'me', 'a', 'out', 'hello (sent with IG_ACCOUNT_ID=me)', 20);
    insert.run('a3', '1784', 'a', 'in', 'thanks', 30);
    insert.run('b1', '1784', 'b', 'in', 'first', 5);
    // The summaries as the previous release kept them: one per customer.
    old.exec(`INSERT INTO conversations (customer_id, last_message_id, last_sent_at, last_out_sent_at, message_count, unread_count, read_up_to, read_at)
      VALUES ('a', 3, 30, 20, 3, 1, 20, 25), ('b', 4, 5, NULL, 1, 1, NULL, NULL)`);
    old.exec(`INSERT INTO history_state (walk, cursor, done_in_page, high_water, updated_at) VALUES ('sync', NULL, 0, 12345, 1), ('import', 'cur', 2, NULL, 1)`);
    old.close();

    openSqlite(path).$client.close();

    expect(sqliteRows(path, "SELECT count(*) AS n FROM messages WHERE account_id = 'me'")).toEqual([{ n: 0 }]);
    expect(sqliteRows(path, 'SELECT account_id, customer_id, last_message_id, message_count, unread_count, read_up_to, read_at FROM conversations ORDER BY customer_id')).toEqual([
      { account_id: '1784', customer_id: 'a', last_message_id: 3, message_count: 3, unread_count: 1, read_up_to: 20, read_at: 25 },
      { account_id: '1784', customer_id: 'b', last_message_id: 4, message_count: 1, unread_count: 1, read_up_to: null, read_at: null },
    ]);
    expect(sqliteRows(path, 'SELECT walk, cursor, high_water FROM history_state ORDER BY walk')).toEqual([
      { walk: 'import:1784', cursor: 'cur', high_water: null },
      { walk: 'sync:1784', cursor: null, high_water: 12345 },
    ]);
    expect(sqliteRows(path, 'SELECT count(*) AS n FROM accounts')).toEqual([{ n: 0 }]);
  });
});
