import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphProfileLookup } from '../../src/adapters/graph/graph-profile-lookup.js';
import { PrometheusMetrics } from '../../src/adapters/metrics/prometheus-metrics.js';
import { openSqlite, type SqliteDb } from '../../src/adapters/sqlite/database.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { SqliteProfileCache } from '../../src/adapters/sqlite/sqlite-profile-cache.js';
import { ProfileLookupBudget } from '../../src/application/profile-lookup-budget.js';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logger.js';
import { newMessage } from '../contract/message-store.contract.js';
import { graphError, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { FakeAccountTokens } from '../support/fake-account-tokens.js';
import { LogCapture } from '../support/log-capture.js';
import { waitFor } from '../support/wait.js';

/** A look-up request may reach the fake this much later than it was started (a loaded machine). */
const JITTER_MS = 250;
const customer = (i: number) => String(6_000_000_000_000_100 + i);

describe('profile look-ups on a budget, against the fake Graph API', () => {
  let graph: FakeGraph;
  let db: SqliteDb;
  let logs: LogCapture;
  let lookup: GraphProfileLookup;
  let budget: ProfileLookupBudget;
  let metrics: PrometheusMetrics;
  const everyoneKnown = () => graph.on('GET', /^\d+$/, (request) => ({ json: { id: request.endpoint, username: `user_${request.endpoint}` } }));
  const start = (env: Record<string, string>) => {
    const config = loadConfig({ ...graph.env, ...env });
    metrics = new PrometheusMetrics({ processMetrics: false });
    lookup = new GraphProfileLookup(config, new SqliteProfileCache(db, systemClock), new FakeAccountTokens(), metrics, systemClock, createLogger('debug', logs));
    budget = new ProfileLookupBudget(lookup, systemClock, metrics, { perSecond: config.graph.profileLookupsPerS, queueMax: config.graph.profileQueueMax });
  };
  beforeEach(async () => {
    graph = await startFakeGraph();
    db = openSqlite(':memory:');
    logs = new LogCapture();
  });
  afterEach(async () => {
    await budget.close();
    await lookup.close();
    db.$client.close();
    await graph.close();
  });

  it('when 12 new customers arrive at once, then they are looked up once each, at most PROFILE_LOOKUPS_PER_S a second', async () => {
    everyoneKnown();
    start({ PROFILE_LOOKUPS_PER_S: '5' });
    for (let i = 0; i < 12; i++) budget.request(customer(i));
    for (let i = 0; i < 12; i++) budget.request(customer(i));

    const calls = await graph.waitFor((r) => r.method === 'GET', 12, 20_000);
    const times = calls.map((r) => r.receivedAt).sort((a, b) => a - b);
    // Any 6 consecutive calls span at least a second: never 6 within one second.
    for (let i = 0; i + 5 < times.length; i++) expect(times[i + 5]! - times[i]!).toBeGreaterThanOrEqual(1000 - JITTER_MS);
    expect(new Set(calls.map((r) => r.endpoint)).size).toBe(12);
    expect(await budget.of(customer(11), 5_000)).toBe(`user_${customer(11)}`);
    expect(graph.profileRequests()).toHaveLength(12);
  });

  it('when more customers wait than PROFILE_QUEUE_MAX, then the rest are refused without error and looked up when asked again', async () => {
    everyoneKnown();
    start({ PROFILE_LOOKUPS_PER_S: '50', PROFILE_QUEUE_MAX: '3' });
    const answers = await Promise.all([0, 1, 2, 3, 4].map((i) => budget.of(customer(i), 5_000)));
    expect(answers).toEqual([`user_${customer(0)}`, `user_${customer(1)}`, `user_${customer(2)}`, null, null]);
    expect(graph.profileRequests()).toHaveLength(3);
    expect(await metrics.text()).toMatch(/igbridge_profile_queue_events_total\{event="overflow"\} 2/);

    expect(await budget.of(customer(4), 5_000)).toBe(`user_${customer(4)}`);
  });

  it('when the line overflowed, then the customers it refused are found through their conversations and looked up once the line is empty', async () => {
    everyoneKnown();
    start({ PROFILE_LOOKUPS_PER_S: '50', PROFILE_QUEUE_MAX: '2' });
    const store = new SqliteMessageStore(db, { crm: { enabled: false } as never, deferredChangeTtlMs: 3_600_000 }, systemClock);
    await store.record([0, 1, 2, 3, 4].map((i) => ({ kind: 'message' as const, message: newMessage(`m${i}`, { customerId: customer(i) }) })));
    for (let i = 0; i < 5; i++) budget.request(customer(i));

    const calls = await graph.waitFor((r) => r.method === 'GET', 5, 20_000);
    expect(calls.map((r) => r.endpoint).sort()).toEqual([0, 1, 2, 3, 4].map(customer));
    await waitFor(async () => (await lookup.known(customer(4)))?.username === `user_${customer(4)}`, 'the last one cached');
    expect(graph.profileRequests()).toHaveLength(5);
  });

  it('when Meta answers a rate-limit code, then look-ups pause (at least a second) and the customer is looked up after', async () => {
    start({ PROFILE_LOOKUPS_PER_S: '50' });
    graph.profileAnswers(customer(0), graphError(613), { json: { id: customer(0), username: 'patient' } });
    graph.setProfile(customer(1), { username: 'next' });

    budget.request(customer(0));
    budget.request(customer(1));
    const calls = await graph.waitFor((r) => r.method === 'GET', 3, 20_000);

    // The second customer may start before the first one's answer is back; the retry waits out the pause.
    expect(calls.map((r) => r.endpoint).sort()).toEqual([customer(0), customer(0), customer(1)]);
    const [first, retry] = calls.filter((r) => r.endpoint === customer(0));
    expect(retry!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1000 - JITTER_MS);
    await waitFor(async () => (await lookup.known(customer(0)))?.username === 'patient', 'the username cached');
    expect(logs.matching('rate-limited by Meta')).toHaveLength(1);
    expect(logs.matching('profile look-up failed')).toHaveLength(0);
    expect(await metrics.text()).toMatch(/igbridge_profile_queue_events_total\{event="rate_limited"\} 1/);
  });

  it('when a username is cached, then asking for it skips the line and makes no call', async () => {
    start({ PROFILE_LOOKUPS_PER_S: '50' });
    await new SqliteProfileCache(db, systemClock).saveProfile(customer(0), { username: 'cached', name: null }, Date.now());
    budget.request(customer(0));
    expect(await budget.of(customer(0), 0)).toBe('cached');
    expect(graph.requests).toHaveLength(0);
  });
});
