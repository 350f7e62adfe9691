import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDb } from '../../src/adapters/sqlite/database.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';

function message(mid: string, accountId: string | null = '17841400000000001'): InstagramEvent {
  return { kind: 'message', message: { mid, accountId: accountId as string, customerId: '6000000000000001', direction: 'in', text: mid, attachments: [], replyTo: null, payload: null, sentAt: 1_569_262_485_349, raw: '{}' } };
}

describe('SqliteMessageStore group commit: deliveries of one turn share a transaction', () => {
  let dir: string;
  let db: SqliteDb;
  let store: SqliteMessageStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'igbridge-store-'));
    db = openSqlite(join(dir, 'store.db'));
    store = new SqliteMessageStore(db, { crm: { enabled: false } } as never, { now: () => 1_700_000_000_000 });
  });
  afterEach(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mids = () => db.$client.prepare('SELECT mid FROM messages ORDER BY id').pluck().all();

  it('when one of several concurrent deliveries fails, then it alone is rolled back and the others are stored', async () => {
    const [first, broken, last] = await Promise.allSettled([
      store.record([message('a.1'), message('a.2')]),
      store.record([message('b.1'), message('b.2', null)]),
      store.record([message('c.1'), message('a.1')]),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { stored: [{ mid: 'a.1' }, { mid: 'a.2' }], duplicates: 0 } });
    expect(broken.status).toBe('rejected');
    expect(last).toMatchObject({ status: 'fulfilled', value: { stored: [{ mid: 'c.1' }], duplicates: 1 } });
    expect(mids()).toEqual(['a.1', 'a.2', 'c.1']);
  });

  it('when a delivery alone fails, then nothing of it is stored', async () => {
    await expect(store.record([message('x.1'), message('x.2', null)])).rejects.toThrow();
    expect(mids()).toEqual([]);
  });

  it('when a message has no reply, then reply_to is NULL, not the text "null"', async () => {
    await store.record([message('n.1')]);
    expect(db.$client.prepare('SELECT typeof(reply_to) FROM messages').pluck().get()).toBe('null');
  });
});
