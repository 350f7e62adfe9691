import 'reflect-metadata';
import { statSync, writeFileSync } from 'node:fs';
import { openSqlite } from '../src/adapters/sqlite/database.js';
import { SqliteMessageStore } from '../src/adapters/sqlite/sqlite-message-store.js';
import type { InstagramEvent } from '../src/domain/instagram-event.js';

/**
 * Seeds a database for the `big` scenario through the store adapter, in bulk: deliveries of
 * BATCH events go through SqliteMessageStore.record (one transaction each), so every message,
 * summary and watermark is written exactly as webhooks write them. A year of messages from
 * `customers` customers (10 each by default), inbound and our replies, with a read receipt
 * for every fifth reply. Prints {"messages", "customers", "seconds", "bytes"} as JSON.
 * Usage: node --import tsx bench/seed.ts <sqlite path> <messages> <customers>
 */
const BATCH = 5_000;
const YEAR_MS = 365 * 24 * 3_600_000;

export function seedCustomer(i: number): string {
  return String(5_000_000_000_000_000 + i);
}

async function main(path: string, messages: number, customers: number): Promise<void> {
  const started = performance.now();
  const db = openSqlite(path);
  const store = new SqliteMessageStore(db, { crm: { enabled: false } as never, deferredChangeTtlMs: 48 * 3_600_000 }, { now: () => Date.now() });
  const start = Date.now() - YEAR_MS;
  let events: InstagramEvent[] = [];
  for (let n = 0; n < messages; n++) {
    // Customer by round-robin, so each conversation's messages spread over the whole year.
    const customerId = seedCustomer(n % customers);
    const out = n % 3 === 2;
    const mid = `seed.${n}`;
    events.push({
      kind: 'message',
      message: {
        mid, accountId: '17841400000000001', customerId, direction: out ? 'out' : 'in',
        text: out ? `Thanks for writing! Order ${n} ships tomorrow.` : `Hi, is item ${n % 977} still available in size M?`,
        attachments: [], replyTo: null, payload: null, sentAt: start + Math.floor((n / messages) * YEAR_MS),
        raw: JSON.stringify({ sender: { id: out ? '17841400000000001' : customerId }, recipient: { id: out ? customerId : '17841400000000001' }, timestamp: start + n, message: { mid, text: 'x'.repeat(40) } }),
      },
    });
    if (out && n % 5 === 0) events.push({ kind: 'read', mid, at: start + Math.floor((n / messages) * YEAR_MS) + 60_000 });
    if (events.length >= BATCH) {
      await store.record(events);
      events = [];
    }
  }
  if (events.length > 0) await store.record(events);
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  db.$client.close();
  const bytes = statSync(path).size;
  const summary = JSON.stringify({ messages, customers, seconds: (performance.now() - started) / 1000, bytes });
  writeFileSync(`${path}.json`, `${summary}\n`);
  process.stdout.write(`${summary}\n`);
}

if (process.argv[2]) {
  main(process.argv[2], Number(process.argv[3]), Number(process.argv[4])).catch((error: unknown) => {
    process.stderr.write(`seed: ${(error as Error).stack}\n`);
    process.exit(1);
  });
}
