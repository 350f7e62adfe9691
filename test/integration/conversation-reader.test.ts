import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConversationReader } from '../../src/application/ports/conversation-reader.js';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { PgConversationReader } from '../../src/adapters/postgres/pg-conversation-reader.js';
import { PgMessageStore } from '../../src/adapters/postgres/pg-message-store.js';
import { contacts as pgContacts } from '../../src/adapters/postgres/schema.js';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { contacts as sqliteContacts } from '../../src/adapters/sqlite/schema.js';
import { SqliteConversationReader } from '../../src/adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { allConversations, conversationReaderContract, wholeThread, type ReaderUnderTest } from '../contract/conversation-reader.contract.js';
import { migratedPgDatabase } from '../support/pg-store.js';
import { recordedEvents } from '../support/recorded-deliveries.js';

const config = { crm: { enabled: true } as never, deferredChangeTtlMs: 48 * 3_600_000 };
const clock = { now: () => 1_800_000_000_000 };

async function sqliteReader(): Promise<ReaderUnderTest> {
  const db = openSqlite(join(mkdtempSync(join(tmpdir(), 'igbridge-reader-')), 'store.db'));
  return {
    store: new SqliteMessageStore(db, config, clock),
    reader: new SqliteConversationReader(db, noOpMetrics),
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
