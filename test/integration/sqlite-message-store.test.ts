import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { messageStoreContract, newMessage } from '../contract/message-store.contract.js';
import { sqliteRows } from '../support/sqlite-rows.js';

const crm = (enabled: boolean) => ({ crm: { enabled } as never });
const fixedClock = { now: () => 1_800_000_000_000 };
const tempPath = () => join(mkdtempSync(join(tmpdir(), 'igbridge-store-')), 'nested', 'store.db');

messageStoreContract('SqliteMessageStore', async () => new SqliteMessageStore(openSqlite(tempPath()), crm(true), fixedClock));

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

  it('when a read receipt arrives, then every earlier outbound message of that customer is read', async () => {
    const path = tempPath();
    const store = new SqliteMessageStore(openSqlite(path), crm(true), fixedClock);
    await store.record([
      { kind: 'message', message: newMessage('o1', { direction: 'out', sentAt: 1 }) },
      { kind: 'message', message: newMessage('o2', { direction: 'out', sentAt: 2 }) },
      { kind: 'message', message: newMessage('o3', { direction: 'out', sentAt: 3 }) },
      { kind: 'read', mid: 'o2', at: 10 },
    ]);
    expect(sqliteRows(path, 'SELECT mid, read_at FROM messages ORDER BY id')).toEqual([
      { mid: 'o1', read_at: 10 },
      { mid: 'o2', read_at: 10 },
      { mid: 'o3', read_at: null },
    ]);
  });

  it('when a reaction and its removal arrive out of order, then the later one wins', async () => {
    const path = tempPath();
    const store = new SqliteMessageStore(openSqlite(path), crm(true), fixedClock);
    await store.record([
      { kind: 'message', message: newMessage('a') },
      { kind: 'reaction', mid: 'a', action: 'unreact', reaction: null, emoji: null, at: 20 },
      { kind: 'reaction', mid: 'a', action: 'react', reaction: 'love', emoji: '❤️', at: 10 },
    ]);
    expect(sqliteRows(path, 'SELECT reaction, reacted_at FROM messages')).toEqual([{ reaction: null, reacted_at: 20 }]);
  });

  it('when an edit is older than the stored one, then it is ignored and the original text kept', async () => {
    const path = tempPath();
    const store = new SqliteMessageStore(openSqlite(path), crm(true), fixedClock);
    await store.record([
      { kind: 'message', message: newMessage('a', { text: 'v0' }) },
      { kind: 'edit', mid: 'a', text: 'v2', editCount: 2, at: 20 },
      { kind: 'edit', mid: 'a', text: 'v1', editCount: 1, at: 10 },
    ]);
    expect(sqliteRows(path, 'SELECT text, original_text, edit_count FROM messages')).toEqual([{ text: 'v2', original_text: 'v0', edit_count: 2 }]);
  });
});
