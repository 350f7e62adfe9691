import 'reflect-metadata';
import { migratePostgres, openPostgres } from '../src/adapters/postgres/database.js';
import { PgMessageStore } from '../src/adapters/postgres/pg-message-store.js';
import type { InstagramEvent } from '../src/domain/instagram-event.js';
import { createPgDatabase } from '../test/support/postgres.js';
import { coresUsed, sampleCpu } from './cpu.js';

/**
 * The PostgreSQL store's write path alone, without HTTP: CONCURRENCY deliveries in flight (as
 * the `two-instances` scenario's 16 connections), one new inbound message each (1,000
 * customers in turn), through PgMessageStore.record, for SECONDS, on a fresh database. Prints
 * deliveries/s and the CPU this process and PostgreSQL used per delivery, to see what a change to
 * the write path buys before it meets the noise of the whole bench.
 * Usage: node --import tsx bench/pg-record.ts [seconds] [concurrency] [pool max]
 */
const SECONDS = Number(process.argv[2] ?? 5);
const CONCURRENCY = Number(process.argv[3] ?? 16);
/** PG_POOL_MAX's default. */
const POOL_MAX = Number(process.argv[4] ?? 10);

function delivery(n: number): InstagramEvent[] {
  const mid = `pg-record.${n}`;
  const customerId = `6000000${String(n % 1_000).padStart(9, '0')}`;
  return [{
    kind: 'message',
    message: {
      mid, accountId: '17841400000000001', customerId, direction: 'in', text: `bench message ${mid}: do you ship to Berlin?`,
      attachments: [], replyTo: null, payload: null, sentAt: Date.now(),
      raw: JSON.stringify({ sender: { id: customerId }, recipient: { id: '17841400000000001' }, message: { mid } }),
    },
  }];
}

async function main(): Promise<void> {
  const database = await createPgDatabase();
  const db = openPostgres(database.url, { poolMax: POOL_MAX, statementTimeoutMs: 5_000 });
  try {
    await migratePostgres(db);
    const store = new PgMessageStore(db, { crm: { enabled: true } as never, deferredChangeTtlMs: 48 * 3_600_000 }, { now: () => Date.now() });
    let next = 0;
    const run = async (until: number) => {
      let done = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          await store.record(delivery(next++));
          done++;
        }
      }));
      return done;
    };
    await run(performance.now() + 1_000);
    const before = sampleCpu({});
    const done = await run(performance.now() + SECONDS * 1_000);
    const cores = coresUsed(before, sampleCpu({}));
    const perSecond = done / SECONDS;
    const usPer = (c: number) => Math.round((c * 1e6) / perSecond);
    process.stdout.write(`${JSON.stringify({ concurrency: CONCURRENCY, poolMax: POOL_MAX, deliveriesPerS: Math.round(perSecond), nodeUsPerDelivery: usPer(cores.bench!), postgresUsPerDelivery: usPer(cores.postgres!), cores })}\n`);
  } finally {
    await db.$client.end();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`pg-record: ${(error as Error).stack}\n`);
  process.exit(1);
});
