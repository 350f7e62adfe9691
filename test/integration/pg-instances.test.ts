import { describe, expect, it } from 'vitest';
import { inTransaction, migratePostgres, openPostgres } from '../../src/adapters/postgres/database.js';
import { PgConversationReader } from '../../src/adapters/postgres/pg-conversation-reader.js';
import { PgMessageStore } from '../../src/adapters/postgres/pg-message-store.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import { newMessage } from '../contract/message-store.contract.js';
import { PgEventWriter } from '../../src/adapters/postgres/pg-event-writer.js';
import { createPgDatabase } from '../support/postgres.js';
import { migratedPgDatabase, PG_MIGRATIONS, type MigratedPgDatabase } from '../support/pg-store.js';
import { waitFor } from '../support/wait.js';

const config = { crm: { enabled: true } as never, deferredChangeTtlMs: 48 * 3_600_000 };
const clock = { now: () => 1_800_000_000_000 };
const message = (mid: string, overrides = {}): InstagramEvent => ({ kind: 'message', message: newMessage(mid, overrides) });

/** Two instances of the service on one database: a store each, each on a pool of its own. */
async function twoInstances() {
  const database = await migratedPgDatabase();
  const a = database.open(4);
  const b = database.open(4);
  return { database, a: new PgMessageStore(a, config, clock), b: new PgMessageStore(b, config, clock), reader: new PgConversationReader(a) };
}

/** The summaries as computed from every message (what the kept ones must equal). */
const FROM_SCRATCH = `
  SELECT m.account_id, m.customer_id,
         (SELECT id FROM messages l WHERE l.account_id = m.account_id AND l.customer_id = m.customer_id ORDER BY sent_at DESC, id DESC LIMIT 1)::int AS last_message_id,
         count(*)::int AS message_count,
         (SELECT count(*) FROM messages i WHERE i.account_id = m.account_id AND i.customer_id = m.customer_id AND i.direction = 'in'
            AND i.sent_at > coalesce((SELECT max(sent_at) FROM messages o WHERE o.account_id = m.account_id AND o.customer_id = m.customer_id AND o.direction = 'out'), -1))::int AS unread_count
  FROM messages m GROUP BY m.account_id, m.customer_id ORDER BY m.account_id, m.customer_id`;
const KEPT = 'SELECT account_id, customer_id, last_message_id::int, message_count, unread_count FROM conversations ORDER BY account_id, customer_id';

/**
 * Runs `first` in a transaction of instance A that stays open while instance B records `second`,
 * until B is seen waiting on a lock (or, if it does not wait, has finished). Then A commits.
 * Returns B's result.
 */
async function whileOpen(database: MigratedPgDatabase, first: InstagramEvent[], second: InstagramEvent[]) {
  const writer = new PgEventWriter({ mirrored: true, deferredTtlMs: config.deferredChangeTtlMs });
  const b = new PgMessageStore(database.open(2), config, clock);
  let outcome: Promise<unknown> | undefined;
  await inTransaction(database.open(2), async (tx) => {
    await writer.record(tx, first, clock.now());
    let settled = false;
    outcome = b.record(second).finally(() => (settled = true));
    const waiting = "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
    await waitFor(async () => settled || (await database.rows(waiting)).length > 0, 'B to wait or finish');
  });
  return outcome;
}

describe('several instances on one PostgreSQL', () => {
  it('when a change reaches B while A stores its message (not committed yet), then B waits for A and applies it', async () => {
    const database = await migratedPgDatabase();
    const result = await whileOpen(database, [message('a')], [{ kind: 'unsend', mid: 'a', at: 5 }]);
    expect(result).toMatchObject({ applied: 1, deferred: 0 });
    expect(await database.rows("SELECT deleted_at::int FROM messages WHERE mid = 'a'")).toEqual([{ deleted_at: 5 }]);
  });

  it('when a message reaches B while A defers a change to it (not committed yet), then B waits for A and applies the change', async () => {
    const database = await migratedPgDatabase();
    const result = await whileOpen(database, [{ kind: 'edit', mid: 'a', text: 'edited', editCount: 1, at: 5 }], [message('a')]);
    expect(result).toMatchObject({ stored: [{ mid: 'a', text: 'edited', editCount: 1 }] });
    expect(await database.rows('SELECT count(*)::int AS n FROM deferred_changes')).toEqual([{ n: 0 }]);
  });

  it('when an older read receipt reaches B while A records a newer one (not committed yet), then the watermark stays at the newer', async () => {
    const database = await migratedPgDatabase();
    await new PgMessageStore(database.open(), config, clock).record([message('o1', { direction: 'out', sentAt: 1 }), message('o2', { direction: 'out', sentAt: 2 })]);
    await whileOpen(database, [{ kind: 'read', mid: 'o2', at: 20 }], [{ kind: 'read', mid: 'o1', at: 10 }]);
    expect(await database.rows('SELECT read_up_to::int, read_at::int FROM conversations')).toEqual([{ read_up_to: 2, read_at: 20 }]);
  });

  it('when the same delivery reaches two instances at once, then one row is stored and both succeed', async () => {
    const { database, a, b } = await twoInstances();
    const deliveries = Array.from({ length: 40 }, (_, i) => [message(`m.${i}`, { customerId: `c${i % 3}` }), message(`n.${i}`, { customerId: `c${i % 5}` })]);

    const results = await Promise.all(deliveries.flatMap((events) => [a.record(events), b.record(events)]));

    expect(results.reduce((n, r) => n + r.stored.length, 0)).toBe(80);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(80);
    expect(await database.rows('SELECT count(*)::int AS n, count(DISTINCT mid)::int AS mids FROM messages')).toEqual([{ n: 80, mids: 80 }]);
    expect(await database.rows(KEPT)).toEqual(await database.rows(FROM_SCRATCH));
    expect(await database.rows("SELECT sum(count)::int AS n FROM crm_state_counts WHERE state = 'pending'")).toEqual([{ n: 80 }]);
  });

  it('when a change and its message reach two instances at once, then the change is applied, never left waiting', async () => {
    const { database, a, b, reader } = await twoInstances();
    const pairs = Array.from({ length: 80 }, (_, i) => i);

    await Promise.all(pairs.flatMap((i) => {
      const mid = `m.${i}`;
      const change: InstagramEvent = i % 2 === 0 ? { kind: 'unsend', mid, at: 5 } : { kind: 'edit', mid, text: 'edited', editCount: 1, at: 5 };
      // The message's delivery goes on after it (the window in which it is stored but not committed).
      const delivery = [message(mid), ...[1, 2, 3].map((n) => message(`${mid}.${n}`, { customerId: `other.${i}` }))];
      // Each pair in both orders: the message first at A, or the change first at B.
      return i % 3 === 0 ? [b.record([change]), a.record(delivery)] : [a.record(delivery), b.record([change])];
    }));

    expect(await database.rows('SELECT count(*)::int AS n FROM deferred_changes')).toEqual([{ n: 0 }]);
    for (const i of pairs) {
      const stored = await reader.message(`m.${i}`);
      expect(stored, `m.${i}`).toMatchObject(i % 2 === 0 ? { deletedAt: 5 } : { text: 'edited', editCount: 1 });
    }
  });

  it('when two instances record interleaved conversations at once, then every summary equals the one computed from all messages', async () => {
    const { database, a, b } = await twoInstances();
    let seed = 11;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const deliveries: InstagramEvent[][] = [];
    for (let d = 0; d < 120; d++) {
      deliveries.push(Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => message(`m.${d}.${i}`, {
        accountId: next() < 0.5 ? 'shop' : 'outlet',
        customerId: `c${Math.floor(next() * 3)}`,
        // Times collide on purpose (ties are broken by id) and go backwards (late deliveries).
        sentAt: 1_000 + Math.floor(next() * 40) * 10,
        direction: next() < 0.4 ? 'out' : 'in',
      })));
    }

    await Promise.all(deliveries.map((events, i) => (i % 2 === 0 ? a : b).record(events)));

    expect(await database.rows(KEPT)).toEqual(await database.rows(FROM_SCRATCH));
  });

  it('when read receipts for one conversation reach two instances at once, then the watermark is the newest one', async () => {
    const { a, b, reader } = await twoInstances();
    await a.record(Array.from({ length: 20 }, (_, i) => message(`o.${i}`, { direction: 'out', sentAt: 100 + i })));

    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).record([{ kind: 'read', mid: `o.${i}`, at: 1_000 + i }])));

    const thread = await reader.messages('cust', { limit: 50, before: null });
    expect(new Set(thread.messages.map((m) => m.readAt))).toEqual(new Set([1_019]));
  });

  it('when several instances start at once on an empty database, then the migrations are applied once and all start', async () => {
    const database = await createPgDatabase();
    const pools = Array.from({ length: 4 }, () => openPostgres(database.url, { poolMax: 2, statementTimeoutMs: 10_000 }));
    try {
      await Promise.all(pools.map((db) => migratePostgres(db)));
      expect(await database.rows('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).toEqual([{ n: PG_MIGRATIONS }]);
      expect(await database.rows("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'messages_crm_count_%'")).toEqual([{ n: 3 }]);
    } finally {
      await Promise.all(pools.map((db) => db.$client.end()));
      await database.drop();
    }
  });
});
