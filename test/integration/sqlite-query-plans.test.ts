import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { SqliteConversationReader } from '../../src/adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteCrmOutbox } from '../../src/adapters/sqlite/sqlite-crm-outbox.js';
import { PENDING } from '../../src/application/ports/crm-outbox.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { SqliteProfileCache } from '../../src/adapters/sqlite/sqlite-profile-cache.js';
import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import { newMessage } from '../contract/message-store.contract.js';

/** Tables that grow with the history: a query on a request path must never read them whole. */
const GROWING = ['messages', 'conversations', 'deferred_changes', 'contacts'];

/**
 * Runs what a webhook, the read API, the outbox and the profile cache do, records every SQL
 * statement they prepare, and asks SQLite how it would run each one (EXPLAIN QUERY PLAN).
 */
describe('query plans of the hot paths', () => {
  it('when every statement of the request paths is explained, then none scans a growing table or sorts it', async () => {
    const db = openSqlite(join(mkdtempSync(join(tmpdir(), 'igbridge-plans-')), 'plans.db'));
    const statements = new Set<string>();
    const prepare = db.$client.prepare.bind(db.$client);
    db.$client.prepare = ((source: string) => (statements.add(source), prepare(source))) as typeof db.$client.prepare;

    let now = 1_800_000_000_000;
    const store = new SqliteMessageStore(db, { crm: { enabled: true } as never, deferredChangeTtlMs: 3_600_000 }, { now: () => now });
    const reader = new SqliteConversationReader(db);
    const outbox = new SqliteCrmOutbox(db);
    const profiles = new SqliteProfileCache(db, { now: () => now });
    const events: InstagramEvent[] = [];
    for (let i = 0; i < 300; i++) {
      events.push({ kind: 'message', message: newMessage(`m${i}`, { customerId: `c${i % 30}`, sentAt: i, direction: i % 3 ? 'in' : 'out' }) });
    }
    await store.record(events);
    now += 2 * 3_600_000;
    await store.record([
      { kind: 'reaction', mid: 'later', action: 'react', reaction: 'love', emoji: '❤️', at: 1 },
      { kind: 'reaction', mid: 'later', action: 'react', reaction: 'love', emoji: '❤️', at: 2 },
      { kind: 'message', message: newMessage('later', { customerId: 'c1', sentAt: 400 }) },
      { kind: 'message', message: newMessage('reply', { customerId: 'c1', sentAt: 401, direction: 'out' }) },
      { kind: 'read', mid: 'm3', at: 5 },
      { kind: 'unsend', mid: 'm4', at: 6 },
      { kind: 'edit', mid: 'm5', text: 'edited', editCount: 1, at: 7 },
    ]);
    const page = await reader.conversations({ limit: 10, before: null });
    await reader.conversations({ limit: 10, before: { sentAt: page.at(-1)!.lastMessage.sentAt, id: page.at(-1)!.lastMessage.id } });
    await reader.messages('c1', { limit: 5, before: null });
    await reader.messages('c1', { limit: 5, before: { sentAt: 200, id: 200 } });
    await reader.message('m1');
    await reader.conversations({ limit: 10, before: null, accountId: 'acct' });
    await reader.conversations({ limit: 10, before: { sentAt: 300, id: 300 }, accountId: 'acct' });
    await reader.messages('c1', { limit: 5, before: null, accountId: 'acct' });
    await reader.accountsOf('c1');
    await outbox.due(PENDING, false, now, 100);
    await outbox.nextDueAt();
    await outbox.counts();
    await outbox.markChangesSent(await outbox.changed(100));
    await profiles.get('c1');
    await profiles.saveProfile('c1', { username: 'one', name: null }, now);

    const problems: string[] = [];
    let explained = 0;
    for (const source of statements) {
      if (!/^\s*(select|insert|update|delete|with)\b/i.test(source)) continue;
      const plan = explain(db.$client, source);
      explained++;
      for (const step of plan) {
        const scan = /^SCAN (\w+)(?: AS \w+)?$/.exec(step) ?? /^SCAN (\w+)$/.exec(step);
        const table = scan ? aliasTable(source, scan[1]!) : null;
        if (table && GROWING.includes(table)) problems.push(`${step} in: ${source}`);
        if (/USE TEMP B-TREE FOR ORDER BY/.test(step)) problems.push(`${step} in: ${source}`);
      }
    }
    expect(explained).toBeGreaterThan(15);
    expect(problems).toEqual([]);
  });
});

/** The plan's detail lines, binding as many NULL parameters as the statement takes. */
function explain(client: ReturnType<typeof openSqlite>['$client'], source: string): string[] {
  const statement = client.prepare(`EXPLAIN QUERY PLAN ${source}`);
  for (let count = 0; count < 64; count++) {
    try {
      return (statement.all(...Array<null>(count).fill(null)) as Array<{ detail: string }>).map((row) => row.detail);
    } catch (error) {
      if (!/Too few parameter/.test((error as Error).message)) throw error;
    }
  }
  throw new Error(`could not bind the parameters of ${source}`);
}

/** The table behind a name in a plan line (the name itself, or an alias `FROM table alias`). */
function aliasTable(source: string, name: string): string {
  if (GROWING.includes(name)) return name;
  const alias = new RegExp(`["\`]?(\\w+)["\`]?\\s+(?:AS\\s+)?${name}\\b`, 'i').exec(source);
  return alias?.[1] ?? name;
}
