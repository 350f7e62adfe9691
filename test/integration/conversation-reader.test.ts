import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConversationReader } from '../../src/application/ports/conversation-reader.js';
import { PgConversationReader } from '../../src/adapters/postgres/pg-conversation-reader.js';
import { PgMessageStore } from '../../src/adapters/postgres/pg-message-store.js';
import { contacts as pgContacts } from '../../src/adapters/postgres/schema.js';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { contacts as sqliteContacts } from '../../src/adapters/sqlite/schema.js';
import { SqliteConversationReader } from '../../src/adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import { allConversations, conversationReaderContract, wholeThread, type ReaderUnderTest } from '../contract/conversation-reader.contract.js';
import { newMessage } from '../contract/message-store.contract.js';
import { migratedPgDatabase } from '../support/pg-store.js';

const config = { crm: { enabled: true } as never, deferredChangeTtlMs: 48 * 3_600_000 };
const clock = { now: () => 1_800_000_000_000 };

async function sqliteReader(): Promise<ReaderUnderTest> {
  const db = openSqlite(join(mkdtempSync(join(tmpdir(), 'igbridge-reader-')), 'store.db'));
  return {
    store: new SqliteMessageStore(db, config, clock),
    reader: new SqliteConversationReader(db),
    contact: async (customerId, username, name) => void db.insert(sqliteContacts).values({ customerId, username, name }).run(),
  };
}

async function pgReader(): Promise<ReaderUnderTest> {
  const db = (await migratedPgDatabase()).open();
  return {
    store: new PgMessageStore(db, config, clock),
    reader: new PgConversationReader(db),
    contact: async (customerId, username, name) => void (await db.insert(pgContacts).values({ customerId, username, name })),
  };
}

conversationReaderContract('SqliteConversationReader', sqliteReader);
conversationReaderContract('PgConversationReader', pgReader);

/** A deterministic pseudo-random sequence (the same every run). */
function random(seed: number) {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

/** Deliveries of every kind, out of order and redelivered, over a few accounts and customers. */
function recordedEvents(): InstagramEvent[][] {
  const next = random(23);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const mids: string[] = [];
  const deliveries: InstagramEvent[][] = [];
  for (let d = 0; d < 150; d++) {
    const events: InstagramEvent[] = [];
    for (let i = 0; i < 1 + Math.floor(next() * 4); i++) {
      const roll = next();
      const change = roll < 0.35;
      // A change is for a message stored already, or (a quarter of them) for one coming in the next delivery.
      const mid = change && mids.length > 0 && next() < 0.75 ? pick(mids) : `m.${change ? d + 1 : d}.${i}`;
      if (roll < 0.05) events.push({ kind: 'message', message: newMessage(mid) }); // a redelivery (or a first delivery, with the defaults)
      else if (roll < 0.1) events.push({ kind: 'unsend', mid, at: 2_000 + d });
      else if (roll < 0.17) events.push({ kind: 'reaction', mid, action: next() < 0.7 ? 'react' : 'unreact', reaction: 'love', emoji: '❤️', at: 2_000 + d });
      else if (roll < 0.24) events.push({ kind: 'edit', mid, text: `edit ${d}`, editCount: 1 + Math.floor(next() * 3), at: 2_000 + d });
      else if (roll < 0.35) events.push({ kind: 'read', mid, at: 2_000 + d });
      else {
        mids.push(mid);
        events.push({
          kind: 'message',
          message: newMessage(mid, {
            accountId: pick(['shop', 'outlet']),
            customerId: pick(['c1', 'c2', 'c3', 'c4']),
            direction: next() < 0.4 ? 'out' : 'in',
            sentAt: 1_000 + Math.floor(next() * 60) * 10,
            text: next() < 0.2 ? null : `text ${mid}`,
            attachments: next() < 0.2 ? [{ type: 'image', url: `https://cdn.example/${mid}.jpg` }] : [],
            replyTo: next() < 0.1 ? { mid: pick(mids) } : null,
          }),
        });
      }
    }
    deliveries.push(events);
  }
  return deliveries;
}

/** Everything a reader can be asked about what was recorded. */
async function answers(reader: ConversationReader, mids: string[]) {
  const customers = ['c1', 'c2', 'c3', 'c4', 'nobody'];
  return {
    list: await allConversations(reader, 3),
    byAccount: await Promise.all(['shop', 'outlet', 'none'].map((account) => allConversations(reader, 2, account))),
    threads: await Promise.all(customers.map((customer) => wholeThread(reader, customer, 4))),
    accountThreads: await Promise.all(customers.map((customer) => wholeThread(reader, customer, 3, 'shop'))),
    accounts: await Promise.all(customers.map((customer) => reader.accountsOf(customer))),
    messages: await Promise.all(mids.map((mid) => reader.message(mid))),
  };
}

describe('the SQLite and PostgreSQL readers', () => {
  it('when the same deliveries are recorded in both stores, then every answer of both readers is the same', async () => {
    const sqlite = await sqliteReader();
    const pg = await pgReader();
    const deliveries = recordedEvents();
    for (const subject of [sqlite, pg]) {
      await subject.contact('c1', 'one', 'Customer One');
      await subject.contact('c3', null, 'Three');
    }
    const results: Array<{ sqlite: unknown; pg: unknown }> = [];
    for (const events of deliveries) results.push({ sqlite: await sqlite.store.record(events), pg: await pg.store.record(events) });
    const mids = [...new Set(deliveries.flat().map((event) => (event.kind === 'message' ? event.message.mid : event.mid))), 'never'];

    const fromSqlite = await answers(sqlite.reader, mids);
    const fromPg = await answers(pg.reader, mids);

    expect(results.map((r) => r.pg)).toEqual(results.map((r) => r.sqlite));
    expect(fromPg).toEqual(fromSqlite);
    // The comparison means something: the deliveries did make conversations, changes and reads.
    expect(fromSqlite.list.flat().length).toBeGreaterThan(5);
    expect(fromSqlite.messages.filter((m) => m?.readAt != null).length).toBeGreaterThan(0);
    expect(fromSqlite.messages.filter((m) => m?.deletedAt != null || m?.editCount || m?.reaction).length).toBeGreaterThan(0);
    expect(results.filter((r) => (r.sqlite as { deferred: number }).deferred > 0).length).toBeGreaterThan(0);
  });
});
