import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgConversationReader } from '../../src/adapters/postgres/pg-conversation-reader.js';
import { PgCrmOutbox } from '../../src/adapters/postgres/pg-crm-outbox.js';
import { PgMessageStore } from '../../src/adapters/postgres/pg-message-store.js';
import { PgProfileCache } from '../../src/adapters/postgres/pg-profile-cache.js';
import { exerciseHotPaths } from '../support/hot-paths.js';
import { migratedPgDatabase } from '../support/pg-store.js';

/** Tables that grow with the history: a statement on a request path must never read them whole. */
const GROWING = ['messages', 'conversations', 'deferred_changes', 'contacts'];
/**
 * Sorts allowed, with their reason: the kept change of one (mid, kind) — the store keeps at most
 * one row per (mid, kind), so this sorts one row (SQLite's index carries the rowid; PostgreSQL's
 * `deferred_changes_mid_kind` is on the same two columns, the drift test keeps them equal).
 */
const SMALL_SORTS = [/from "deferred_changes" where \("deferred_changes"."mid" = \$1 and "deferred_changes"."kind" = \$2\) order by "deferred_changes"."id" desc limit/];

/**
 * SPEC §13–§14 on PostgreSQL: runs what a webhook, the read API, the shared outbox and the profile
 * cache send, records every statement with its parameters (all through pg.Client.query), and asks
 * PostgreSQL how it would run each with sequential scans disabled: a plan that still scans a
 * growing table whole, or sorts one, has no index to serve it. (On a table this small the planner
 * would choose a scan anyway; `enable_seqscan = off` asks whether it could do otherwise.)
 */
describe('PostgreSQL query plans of the hot paths', () => {
  it('when every statement of the request paths is explained, then none scans a growing table whole or sorts it', async () => {
    const database = await migratedPgDatabase();
    const db = database.open();
    const statements = new Map<string, unknown[]>();
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
      const text = typeof config === 'string' ? config : config?.text;
      if (typeof text === 'string') statements.set(text, (Array.isArray(values) ? values : typeof config === 'string' ? undefined : config.values) ?? []);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      let now = 1_800_000_000_000;
      const clock = { now: () => now, later: (ms: number) => void (now += ms) };
      const store = new PgMessageStore(db, { crm: { enabled: true } as never, deferredChangeTtlMs: 3_600_000 }, clock);
      const outbox = new PgCrmOutbox(db, clock, { instanceId: 'plans', leaseMs: 60_000, writeTimeoutMs: 10_000 });
      await exerciseHotPaths({ store, reader: new PgConversationReader(db), outbox, profiles: new PgProfileCache(db, clock) }, clock);
    } finally {
      pg.Client.prototype.query = query;
    }

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const problems: string[] = [];
    let explained = 0;
    try {
      // Asked: could an index serve this (find the rows, in the order wanted)? A plan that still
      // scans or sorts when the planner is told to avoid both has no such index.
      await client.query('SET enable_seqscan = off; SET enable_sort = off; SET enable_bitmapscan = off');
      for (const [text, values] of statements) {
        if (!/^\s*(select|insert|update|delete|with)\b/i.test(text)) continue;
        if (!GROWING.some((table) => new RegExp(`"?${table}"?`).test(text))) continue;
        // Explained inside a transaction that is rolled back: EXPLAIN does not run the statement, but be sure.
        await client.query('BEGIN');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
        await client.query('ROLLBACK');
        explained++;
        const plan = rows.map((row) => row['QUERY PLAN']);
        for (const step of plan) {
          const scan = /Seq Scan on (\w+)/.exec(step);
          if (scan && GROWING.includes(scan[1]!)) problems.push(`${step.trim()} in: ${text}`);
        }
        if (plan.some((step) => /^\s*(->\s*)?Sort\b/.test(step)) && /\blimit\b/i.test(text) && !SMALL_SORTS.some((allowed) => allowed.test(text))) problems.push(`a sort under a LIMIT in: ${text}\n${plan.join('\n')}`);
      }
    } finally {
      await client.end();
    }
    expect(explained).toBeGreaterThan(15);
    expect(problems).toEqual([]);
  });
});
