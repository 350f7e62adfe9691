import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { migratePostgres } from '../../src/adapters/postgres/database.js';
import { PgConversationReader } from '../../src/adapters/postgres/pg-conversation-reader.js';
import { PgMessageStore } from '../../src/adapters/postgres/pg-message-store.js';
import { CRM_COUNT_SLOTS } from '../../src/adapters/postgres/schema.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import { messageStoreContract, newMessage } from '../contract/message-store.contract.js';
import { migratedPgDatabase, PG_MIGRATIONS } from '../support/pg-store.js';

const crm = (enabled: boolean) => ({ crm: { enabled } as never, deferredChangeTtlMs: 48 * 3_600_000 });
const fixedClock = { now: () => 1_800_000_000_000 };
const message = (mid: string, overrides = {}): InstagramEvent => ({ kind: 'message', message: newMessage(mid, overrides) });

messageStoreContract('PgMessageStore', async (clock) => {
  const db = (await migratedPgDatabase()).open();
  const reader = new PgConversationReader(db);
  return { store: new PgMessageStore(db, crm(true), clock), find: (mid) => reader.message(mid) };
});

describe('PgMessageStore on a real PostgreSQL', () => {
  it('when the migrations run again, then nothing is applied twice and data stays', async () => {
    const database = await migratedPgDatabase();
    const db = database.open();
    await new PgMessageStore(db, crm(true), fixedClock).record([message('a')]);
    await migratePostgres(db);
    expect(await database.rows('SELECT mid FROM messages')).toEqual([{ mid: 'a' }]);
    expect(await database.rows('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).toEqual([{ n: PG_MIGRATIONS }]);
  });

  it('when a new message has no changes waiting, then its delivery is four statements: BEGIN, the locks, the insert (with its summary), COMMIT', async () => {
    const store = new PgMessageStore((await migratedPgDatabase()).open(), crm(true), fixedClock);
    await store.record([message('a')]); // the first delivery also expires old deferred changes
    const query = vi.spyOn(pg.Client.prototype, 'query');
    try {
      await store.record([message('b')]);
      const statements = query.mock.calls.map(([sent]) => (typeof sent === 'string' ? sent : (sent as { text: string }).text).trim().split(/\s/)[0]);
      expect(statements).toEqual(['BEGIN', 'SELECT', 'WITH', 'COMMIT']);
    } finally {
      query.mockRestore();
    }
  });

  it('when the state count triggers write, then they spread over CRM_COUNT_SLOTS slots, as the schema says', async () => {
    const database = await migratedPgDatabase();
    const [{ source }] = await database.rows<{ source: string }>("SELECT prosrc AS source FROM pg_proc WHERE proname = 'crm_state_count_add'");
    expect(source).toContain(`pg_backend_pid() % ${CRM_COUNT_SLOTS}`);
  });

  it('when the mirror is on, then new rows wait as pending; when off, as not_mirrored — and the state counts follow', async () => {
    const on = await migratedPgDatabase();
    const off = await migratedPgDatabase();
    await new PgMessageStore(on.open(), crm(true), fixedClock).record([message('a')]);
    await new PgMessageStore(off.open(), crm(false), fixedClock).record([message('a'), message('b')]);
    expect(await on.rows('SELECT crm_state, received_at, crm_next_attempt_at FROM messages')).toEqual([
      { crm_state: 'pending', received_at: '1800000000000', crm_next_attempt_at: '1800000000000' },
    ]);
    expect(await off.rows('SELECT crm_state, crm_next_attempt_at FROM messages ORDER BY id')).toEqual([
      { crm_state: 'not_mirrored', crm_next_attempt_at: null },
      { crm_state: 'not_mirrored', crm_next_attempt_at: null },
    ]);
    const counts = 'SELECT state, sum(count)::int AS n FROM crm_state_counts GROUP BY state ORDER BY state';
    expect(await off.rows(counts)).toEqual([
      { state: 'failed', n: 0 }, { state: 'mirrored', n: 0 }, { state: 'not_mirrored', n: 2 }, { state: 'pending', n: 0 },
    ]);
    await off.rows("UPDATE messages SET crm_state = 'pending' WHERE mid = 'a'");
    await off.rows("DELETE FROM messages WHERE mid = 'b'");
    expect(await off.rows(counts)).toEqual([
      { state: 'failed', n: 0 }, { state: 'mirrored', n: 0 }, { state: 'not_mirrored', n: 0 }, { state: 'pending', n: 1 },
    ]);
  });

  it('when one event of a delivery fails, then none of the delivery is committed', async () => {
    const database = await migratedPgDatabase();
    const store = new PgMessageStore(database.open(), crm(true), fixedClock);
    const broken = newMessage('b', { customerId: null as never });
    await expect(store.record([message('a'), { kind: 'unsend', mid: 'x', at: 1 }, { kind: 'message', message: broken }])).rejects.toThrow(/customer_id/);
    expect(await database.rows('SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM deferred_changes)::int AS deferred, (SELECT count(*) FROM conversations)::int AS conversations')).toEqual([
      { messages: 0, deferred: 0, conversations: 0 },
    ]);
  });

  it('when a failure is the database\'s, then the error carries no message text or token (no query parameters)', async () => {
    const database = await migratedPgDatabase();
    const store = new PgMessageStore(database.open(), crm(true), fixedClock);
    const broken = newMessage('b', { customerId: null as never, text: 'a private message' });
    const error = await store.record([{ kind: 'message', message: broken }]).then(() => null, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).not.toContain('a private message');
    expect(error).toMatchObject({ code: '23502' });
  });

  it('when PostgreSQL does not answer, then the delivery is refused as store_busy (503, Meta retries)', async () => {
    const database = await migratedPgDatabase();
    const url = new URL(database.url);
    url.port = '1';
    const { openPostgres } = await import('../../src/adapters/postgres/database.js');
    const unreachable = openPostgres(url.toString(), { poolMax: 1, statementTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
    try {
      await expect(new PgMessageStore(unreachable, crm(true), fixedClock).record([message('a')])).rejects.toMatchObject({ code: 'store_busy' });
      await expect(new PgConversationReader(unreachable).ping()).rejects.toThrow(/PostgreSQL cannot write: .*ECONNREFUSED/);
    } finally {
      await unreachable.$client.end();
    }
  });

  it('when the database is read-only, then ping says it cannot write, and why', async () => {
    const database = await migratedPgDatabase();
    await database.rows(`ALTER DATABASE ${database.name} SET default_transaction_read_only = on`);
    const reader = new PgConversationReader(database.open());
    await expect(reader.ping()).rejects.toThrow(/PostgreSQL cannot write: .*read-only.*\(25006\)/);
  });

  it('when ping succeeds, then it wrote the health row', async () => {
    const database = await migratedPgDatabase();
    await new PgConversationReader(database.open()).ping();
    expect(await database.rows('SELECT id FROM health')).toEqual([{ id: 1 }]);
  });
});

describe('PgMessageStore columns', () => {
  it('when a message has attachments and a reply, then they come back as stored, null staying null', async () => {
    const database = await migratedPgDatabase();
    const db = database.open();
    const store = new PgMessageStore(db, crm(true), fixedClock);
    const attachments = [{ type: 'image', url: 'https://cdn.example/x.jpg' }, { type: 'audio', url: null }];
    await store.record([message('a', { attachments, replyTo: { mid: 'z' } }), message('b')]);
    const reader = new PgConversationReader(db);
    expect(await reader.message('a')).toMatchObject({ attachments, replyTo: { mid: 'z' } });
    expect(await reader.message('b')).toMatchObject({ attachments: [], replyTo: null });
    expect(await database.rows("SELECT attachments::text, reply_to IS NULL AS no_reply FROM messages WHERE mid = 'b'")).toEqual([{ attachments: '[]', no_reply: true }]);
    // json keeps the text as written: the same key order as SQLite hands out.
    expect(await database.rows("SELECT attachments::text FROM messages WHERE mid = 'a'")).toEqual([{ attachments: JSON.stringify(attachments) }]);
  });

  it('when a message is edited twice, then the text before the first edit is kept as original_text', async () => {
    const database = await migratedPgDatabase();
    const store = new PgMessageStore(database.open(), crm(true), fixedClock);
    await store.record([
      message('a', { text: 'v0' }),
      { kind: 'edit', mid: 'a', text: 'v1', editCount: 1, at: 10 },
      { kind: 'edit', mid: 'a', text: 'v2', editCount: 2, at: 20 },
    ]);
    expect(await database.rows('SELECT text, original_text, edit_count FROM messages')).toEqual([{ text: 'v2', original_text: 'v0', edit_count: 2 }]);
  });

  it('when a read receipt arrives, then no message row is touched: the conversation keeps the watermark', async () => {
    const database = await migratedPgDatabase();
    const store = new PgMessageStore(database.open(), crm(true), fixedClock);
    await store.record([
      message('o1', { direction: 'out', sentAt: 1 }),
      message('o2', { direction: 'out', sentAt: 2 }),
      { kind: 'read', mid: 'o2', at: 10 },
    ]);
    expect(await database.rows('SELECT read_at FROM messages')).toEqual([{ read_at: null }, { read_at: null }]);
    expect(await database.rows('SELECT customer_id, read_up_to::int, read_at::int FROM conversations')).toEqual([{ customer_id: 'cust', read_up_to: 2, read_at: 10 }]);
  });

  it('when 1,000 changes for unknown mids are redelivered three times, then 1,000 rows wait, one per (mid, kind)', async () => {
    const database = await migratedPgDatabase();
    const store = new PgMessageStore(database.open(), crm(true), fixedClock);
    const reactions = Array.from({ length: 1000 }, (_, i) => ({ kind: 'reaction' as const, mid: `gone.${i}`, action: 'react' as const, reaction: 'love', emoji: '❤️', at: i }));
    for (let round = 0; round < 3; round++) expect(await store.record(reactions)).toMatchObject({ deferred: 1000 });
    expect(await database.rows('SELECT count(*)::int AS n, count(DISTINCT mid)::int AS mids FROM deferred_changes')).toEqual([{ n: 1000, mids: 1000 }]);
  });

  it('when changes wait past DEFERRED_CHANGE_TTL_H, then the next delivery deletes them', async () => {
    const database = await migratedPgDatabase();
    let now = 1_800_000_000_000;
    const store = new PgMessageStore(database.open(), crm(true), { now: () => now });
    await store.record([{ kind: 'unsend', mid: 'old', at: 1 }]);
    now += 47 * 3_600_000;
    await store.record([{ kind: 'unsend', mid: 'young', at: 2 }]);
    now += 2 * 3_600_000;
    expect(await store.record([message('x')])).toMatchObject({ expired: 1 });
    expect(await database.rows('SELECT mid FROM deferred_changes')).toEqual([{ mid: 'young' }]);
  });
});
