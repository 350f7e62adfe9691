import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { SqliteConversationReader } from '../../src/adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteCrmOutbox } from '../../src/adapters/sqlite/sqlite-crm-outbox.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { SqliteProfileCache } from '../../src/adapters/sqlite/sqlite-profile-cache.js';
import { exerciseHotPaths } from '../support/hot-paths.js';

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
    const clock = { now: () => now, later: (ms: number) => void (now += ms) };
    const store = new SqliteMessageStore(db, { crm: { enabled: true } as never, deferredChangeTtlMs: 3_600_000 }, clock);
    await exerciseHotPaths({ store, reader: new SqliteConversationReader(db, noOpMetrics), outbox: new SqliteCrmOutbox(db), profiles: new SqliteProfileCache(db, clock) }, clock);

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
