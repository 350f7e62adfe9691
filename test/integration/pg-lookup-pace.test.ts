import { afterEach, describe, expect, it } from 'vitest';
import { GraphProfileLookup } from '../../src/adapters/graph/graph-profile-lookup.js';
import { PrometheusMetrics } from '../../src/adapters/metrics/prometheus-metrics.js';
import { PgLookupPace } from '../../src/adapters/postgres/pg-lookup-pace.js';
import { PgProfileCache } from '../../src/adapters/postgres/pg-profile-cache.js';
import { ProfileLookupBudget } from '../../src/application/profile-lookup-budget.js';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logger.js';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { FakeAccountTokens } from '../support/fake-account-tokens.js';
import { LogCapture } from '../support/log-capture.js';
import { migratedPgDatabase } from '../support/pg-store.js';

/** A look-up request may reach the fake this much later than it was started (a loaded machine). */
const JITTER_MS = 250;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database() {
  const test = await migratedPgDatabase();
  return { test, open: () => test.open(2) };
}

describe('the profile look-up pace shared by the instances (PostgreSQL)', () => {
  it('when two instances reserve starts at once, then every start is its own and they are spaced as one budget', async () => {
    const { open } = await database();
    const a = new PgLookupPace(open().$client);
    const b = new PgLookupPace(open().$client);
    const now = Date.now();
    const starts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserve(now, 200)));
    const sorted = [...starts].sort((x, y) => x - y);
    expect(sorted[0]).toBeGreaterThanOrEqual(now);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBe(200);
  });

  it('when Meta asks one instance to pause, then no instance is given a start before the pause ends', async () => {
    const { open } = await database();
    const a = new PgLookupPace(open().$client);
    const b = new PgLookupPace(open().$client);
    const now = Date.now();
    await a.pause(now + 60_000);
    expect(await b.reserve(now, 200)).toBe(now + 60_000);
    expect(await a.reserve(now, 200)).toBe(now + 60_200);
  });

  it('when two instances look up 12 new customers against the fake Graph API, then together they start at most PROFILE_LOOKUPS_PER_S a second', async () => {
    const { open } = await database();
    const graph: FakeGraph = await startFakeGraph();
    cleanups.push(() => graph.close());
    graph.on('GET', /^\d+$/, (request) => ({ json: { id: request.endpoint, username: `user_${request.endpoint}` } }));
    const config = loadConfig({ ...graph.env, PROFILE_LOOKUPS_PER_S: '5' });
    const instance = () => {
      const db = open();
      const metrics = new PrometheusMetrics({ processMetrics: false });
      const lookup = new GraphProfileLookup(config, new PgProfileCache(db, systemClock), new FakeAccountTokens(), metrics, systemClock, createLogger('silent', new LogCapture()));
      const budget = new ProfileLookupBudget(lookup, systemClock, metrics, { perSecond: 5, queueMax: 100 }, new PgLookupPace(db.$client));
      cleanups.push(async () => {
        await budget.close();
        await lookup.close();
      });
      return budget;
    };
    const one = instance();
    const two = instance();
    for (let i = 0; i < 6; i++) {
      one.request(String(6_000_000_000_000_100 + i));
      two.request(String(6_000_000_000_000_200 + i));
    }
    const calls = await graph.waitFor((r) => r.method === 'GET', 12, 30_000);
    const times = calls.map((r) => r.receivedAt).sort((x, y) => x - y);
    // Any 6 consecutive calls of the two instances together span at least a second.
    for (let i = 0; i + 5 < times.length; i++) expect(times[i + 5]! - times[i]!).toBeGreaterThanOrEqual(1000 - JITTER_MS);
    expect(new Set(calls.map((r) => r.endpoint)).size).toBe(12);
  });
});
