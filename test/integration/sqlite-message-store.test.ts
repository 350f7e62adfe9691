import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { SqliteConversationReader } from '../../src/adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { messageStoreContract, newMessage } from '../contract/message-store.contract.js';
import { sqliteRows } from '../support/sqlite-rows.js';

const crm = (enabled: boolean) => ({ crm: { enabled } as never, deferredChangeTtlMs: 48 * 3_600_000 });
const fixedClock = { now: () => 1_800_000_000_000 };
const tempPath = () => join(mkdtempSync(join(tmpdir(), 'igbridge-store-')), 'nested', 'store.db');

messageStoreContract('SqliteMessageStore', async (clock) => {
  const db = openSqlite(tempPath());
  const reader = new SqliteConversationReader(db, noOpMetrics);
  return { store: new SqliteMessageStore(db, crm(true), clock), find: (mid) => reader.message(mid) };
});

describe('SqliteMessageStore on a real file', () => {
  it('when the folder is missing, then it is created and the migrations run', () => {
    const path = tempPath();
    openSqlite(path).$client.close();
    const tables = sqliteRows<{ name: string }>(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['messages', 'contacts', 'deferred_changes']));
  });

  it('when the database is opened again, then the migrations are not applied twice and data stays', async () => {
    const path = tempPath();
    const first = openSqlite(path);
    await new SqliteMessageStore(first, crm(true), fixedClock).record([{ kind: 'message', message: newMessage('a') }]);
    first.$client.close();
    openSqlite(path).$client.close();
    expect(sqliteRows(path, 'SELECT mid FROM messages')).toEqual([{ mid: 'a' }]);
  });

  it('when the mirror is on, then new rows wait as pending; when off, as not_mirrored', async () => {
    const onPath = tempPath();
    const offPath = tempPath();
    await new SqliteMessageStore(openSqlite(onPath), crm(true), fixedClock).record([{ kind: 'message', message: newMessage('a') }]);
    await new SqliteMessageStore(openSqlite(offPath), crm(false), fixedClock).record([{ kind: 'message', message: newMessage('a') }]);
    expect(sqliteRows(onPath, 'SELECT crm_state, received_at FROM messages')).toEqual([{ crm_state: 'pending', received_at: 1_800_000_000_000 }]);
    expect(sqliteRows(offPath, 'SELECT crm_state FROM messages')).toEqual([{ crm_state: 'not_mirrored' }]);
  });

  it('when one event of a delivery fails, then none of the delivery is committed', async () => {
    const path = tempPath();
    const store = new SqliteMessageStore(openSqlite(path), crm(true), fixedClock);
    const broken = newMessage('b', { customerId: null as never });
    await expect(store.record([{ kind: 'message', message: newMessage('a') }, { kind: 'message', message: broken }])).rejects.toThrow();
    expect(sqliteRows(path, 'SELECT mid FROM messages')).toEqual([]);
  });






});

describe('SqliteMessageStore change columns', () => {
  it('when a message is edited twice, then the text before the first edit is kept as original_text', async () => {
    const path = tempPath();
    const store = new SqliteMessageStore(openSqlite(path), crm(true), fixedClock);
    await store.record([
      { kind: 'message', message: newMessage('a', { text: 'v0' }) },
      { kind: 'edit', mid: 'a', text: 'v1', editCount: 1, at: 10 },
      { kind: 'edit', mid: 'a', text: 'v2', editCount: 2, at: 20 },
    ]);
    expect(sqliteRows(path, 'SELECT text, original_text, edit_count FROM messages')).toEqual([{ text: 'v2', original_text: 'v0', edit_count: 2 }]);
  });

  it('when a read receipt arrives, then no message row is touched: the conversation keeps the watermark', async () => {
    const path = tempPath();
    const store = new SqliteMessageStore(openSqlite(path), crm(true), fixedClock);
    await store.record([
      { kind: 'message', message: newMessage('o1', { direction: 'out', sentAt: 1 }) },
      { kind: 'message', message: newMessage('o2', { direction: 'out', sentAt: 2 }) },
      { kind: 'read', mid: 'o2', at: 10 },
    ]);
    expect(sqliteRows(path, 'SELECT read_at FROM messages')).toEqual([{ read_at: null }, { read_at: null }]);
    expect(sqliteRows(path, 'SELECT customer_id, read_up_to, read_at FROM conversations')).toEqual([{ customer_id: 'cust', read_up_to: 2, read_at: 10 }]);
  });

  it('when 1,000 changes for unknown mids are redelivered three times, then 1,000 rows wait, one per (mid, kind)', async () => {
    const path = tempPath();
    const store = new SqliteMessageStore(openSqlite(path), crm(true), fixedClock);
    const reactions = Array.from({ length: 1000 }, (_, i) => ({ kind: 'reaction' as const, mid: `gone.${i}`, action: 'react' as const, reaction: 'love', emoji: '❤️', at: i }));
    for (let round = 0; round < 3; round++) expect(await store.record(reactions)).toMatchObject({ deferred: 1000 });
    expect(sqliteRows(path, 'SELECT count(*) AS n, count(DISTINCT mid) AS mids FROM deferred_changes')).toEqual([{ n: 1000, mids: 1000 }]);
  });

  it('when changes wait past DEFERRED_CHANGE_TTL_H, then the next delivery deletes them', async () => {
    const path = tempPath();
    let now = 1_800_000_000_000;
    const store = new SqliteMessageStore(openSqlite(path), crm(true), { now: () => now });
    await store.record([{ kind: 'unsend', mid: 'old', at: 1 }]);
    now += 47 * 3_600_000;
    await store.record([{ kind: 'unsend', mid: 'young', at: 2 }]);
    now += 2 * 3_600_000;
    expect(await store.record([{ kind: 'message', message: newMessage('x') }])).toMatchObject({ expired: 1 });
    expect(sqliteRows(path, 'SELECT mid FROM deferred_changes')).toEqual([{ mid: 'young' }]);
  });
});
