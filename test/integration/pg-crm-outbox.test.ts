import { describe, expect, it } from 'vitest';
import type { PgDb } from '../../src/adapters/postgres/database.js';
import { PgCrmOutbox } from '../../src/adapters/postgres/pg-crm-outbox.js';
import { PgMessageStore } from '../../src/adapters/postgres/pg-message-store.js';
import { PENDING } from '../../src/application/ports/crm-outbox.js';
import { loadConfig } from '../../src/config.js';
import { newMessage } from '../contract/message-store.contract.js';
import { migratedPgDatabase } from '../support/pg-store.js';

/**
 * SPEC §14: the CRM outbox shared by every instance. Each instance claims due rows with
 * FOR UPDATE SKIP LOCKED and a lease; a claim that lapsed (its instance died) is taken over.
 */
const LEASE_MS = 60_000;
const WRITE_TIMEOUT_MS = 10_000;
const T0 = 1_800_000_000_000;

async function outboxes(count: number) {
  const database = await migratedPgDatabase();
  let now = T0;
  const clock = { now: () => now };
  const config = loadConfig({ CRM_MYSQL_ENABLED: 'true', CRM_MYSQL_HOST: 'h', CRM_MYSQL_USER: 'u', CRM_MYSQL_DATABASE: 'd' });
  const writer: PgDb = database.open();
  const store = new PgMessageStore(writer, config, clock);
  await store.record(Array.from({ length: count }, (_, i) => ({ kind: 'message' as const, message: newMessage(`m${i}`, { sentAt: T0 + i }) })));
  const instance = (id: string) => new PgCrmOutbox(database.open(), clock, { instanceId: id, leaseMs: LEASE_MS, writeTimeoutMs: WRITE_TIMEOUT_MS });
  return { database, a: instance('a'), b: instance('b'), later: (ms: number) => void (now += ms), now: () => now };
}

describe('the shared CRM outbox (PostgreSQL)', () => {
  it('when two instances take due rows at the same time, then each gets its own rows, oldest first, and together all of them', async () => {
    const { a, b, now } = await outboxes(10);
    const [fromA, fromB] = await Promise.all([a.due(PENDING, false, now(), 4), b.due(PENDING, false, now(), 4)]);
    const ids = [...fromA, ...fromB].map((m) => m.id);
    expect(new Set(ids).size).toBe(8);
    expect(fromA.map((m) => m.id)).toEqual([...fromA.map((m) => m.id)].sort((x, y) => x - y));
    // The rest, for a: its own claimed rows again and the two nobody took; never b's.
    const rest = await a.due(PENDING, false, now(), 10);
    expect(rest).toHaveLength(6);
    expect(rest.filter((m) => fromB.some((taken) => taken.id === m.id))).toEqual([]);
  });

  it('when an instance finishes its rows, then they leave the queue and the counts move, for every instance', async () => {
    const { a, b, now } = await outboxes(3);
    const rows = await a.due(PENDING, false, now(), 10);
    await a.markInDoubt(rows.map((m) => m.id));
    await a.markMirrored(rows.map((m) => m.id), now());
    expect(await b.due(PENDING, undefined, now(), 10)).toEqual([]);
    expect(await b.counts()).toEqual({ pending: 0, failed: 0, notMirrored: 0 });
    expect(await b.nextDueAt()).toBeNull();
  });

  it('when an instance dies after sending a write, then its rows are another instance\'s only after the lease and the write timeout, and come in doubt', async () => {
    const { a, b, later, now } = await outboxes(3);
    const rows = await a.due(PENDING, false, now(), 10);
    await a.markInDoubt(rows.map((m) => m.id));
    // a dies here: no outcome is ever recorded.
    later(LEASE_MS);
    expect(await b.due(PENDING, undefined, now(), 10)).toEqual([]);
    later(WRITE_TIMEOUT_MS + 1);
    const takenOver = await b.due(PENDING, true, now(), 10);
    expect(takenOver.map((m) => [m.mid, m.inDoubt])).toEqual([['m0', true], ['m1', true], ['m2', true]]);
    // Now b's: a (were it alive after all) no longer gets them.
    expect(await a.due(PENDING, undefined, now(), 10)).toEqual([]);
  });

  it('when a write failed before reaching the CRM, then its rows are free for any instance at once', async () => {
    const { a, b, now } = await outboxes(2);
    const rows = await a.due(PENDING, false, now(), 10);
    await a.markInDoubt(rows.map((m) => m.id));
    await a.markForRetry(rows.map((m) => m.id), 'connection refused', false);
    expect((await b.due(PENDING, false, now(), 10)).map((m) => m.mid)).toEqual(['m0', 'm1']);
  });

  it('when a write\'s outcome is unknown, then its instance keeps the rows for a lease to check them itself', async () => {
    const { a, b, later, now } = await outboxes(2);
    const rows = await a.due(PENDING, false, now(), 10);
    await a.markInDoubt(rows.map((m) => m.id));
    await a.markForRetry(rows.map((m) => m.id), 'timeout', true);
    expect(await b.due(PENDING, true, now(), 10)).toEqual([]);
    expect((await a.due(PENDING, true, now(), 10)).map((m) => m.mid)).toEqual(['m0', 'm1']);
    later(LEASE_MS + 1);
    expect((await b.due(PENDING, true, now(), 10)).map((m) => m.mid)).toEqual(['m0', 'm1']);
  });

  it('when the CRM rejects a row, then attempts count and it fails at the limit, as with SQLite', async () => {
    const { a, now } = await outboxes(1);
    const [row] = await a.due(PENDING, false, now(), 10);
    expect(await a.markRejected(row!.id, 'bad value', 2, now() + 1_000)).toBe('pending');
    expect(await a.markRejected(row!.id, 'bad value', 2, now() + 2_000)).toBe('failed');
    expect(await a.counts()).toEqual({ pending: 0, failed: 1, notMirrored: 0 });
    expect(await a.count({ states: ['failed'] })).toBe(1);
  });
});

describe('when the next row is due (PostgreSQL)', () => {
  it('when another instance holds the pending rows, then they are due for this one when the claim lapses, not now', async () => {
    const { a, b, now } = await outboxes(2);
    await a.due(PENDING, false, now(), 10);
    expect(await b.nextDueAt()).toBe(now() + LEASE_MS);
    expect(await a.nextDueAt()).toBe(T0);
  });
});
