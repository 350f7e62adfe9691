import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphProfileLookup } from '../../src/adapters/graph/graph-profile-lookup.js';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { openSqlite, type SqliteDb } from '../../src/adapters/sqlite/database.js';
import { SqliteProfileCache } from '../../src/adapters/sqlite/sqlite-profile-cache.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { graphError, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { FakeAccountTokens } from '../support/fake-account-tokens.js';
import { LogCapture } from '../support/log-capture.js';

const ALICE = '6000000000000001';
const HOUR = 3_600_000;

describe('GraphProfileLookup with its SQLite cache (contacts)', () => {
  let graph: FakeGraph;
  let db: SqliteDb;
  let logs: LogCapture;
  let now: number;
  let lookup: GraphProfileLookup;
  beforeEach(async () => {
    graph = await startFakeGraph();
    db = openSqlite(':memory:');
    logs = new LogCapture();
    now = Date.UTC(2026, 0, 1);
    const config = loadConfig({ ...graph.env, PROFILE_REFRESH_H: '24', PROFILE_FAILURE_RETRY_M: '30' });
    lookup = new GraphProfileLookup(config, new SqliteProfileCache(db, { now: () => now }), new FakeAccountTokens(), noOpMetrics, { now: () => now }, createLogger('debug', logs));
  });
  afterEach(async () => {
    await lookup.close();
    db.$client.close();
    await graph.close();
  });

  it('when a username is cached, then it is served from the cache until PROFILE_REFRESH_H has passed, then asked again', async () => {
    graph.setProfile(ALICE, { username: 'alice.shop' });

    expect(await lookup.username(ALICE)).toBe('alice.shop');
    now += 23 * HOUR;
    expect(await lookup.username(ALICE)).toBe('alice.shop');
    expect(graph.profileRequests(ALICE)).toHaveLength(1);

    graph.setProfile(ALICE, { username: 'alice.renamed' });
    now += 2 * HOUR;
    expect(await lookup.username(ALICE)).toBe('alice.renamed');
    expect(graph.profileRequests(ALICE)).toHaveLength(2);
  });

  it('when a look-up fails, then null is cached for PROFILE_FAILURE_RETRY_M and the failure is recorded in contacts', async () => {
    graph.profileAnswers(ALICE, graphError(230), { json: { id: ALICE, username: 'alice.shop' } });

    expect(await lookup.username(ALICE)).toBeNull();
    now += 29 * 60_000;
    expect(await lookup.username(ALICE)).toBeNull();
    expect(graph.profileRequests(ALICE)).toHaveLength(1);
    expect(db.$client.prepare('SELECT username, last_error, failed_at FROM contacts WHERE customer_id = ?').get(ALICE)).toMatchObject({
      username: null,
      last_error: expect.stringContaining('230'),
      failed_at: Date.UTC(2026, 0, 1),
    });

    now += 2 * 60_000;
    expect(await lookup.username(ALICE)).toBe('alice.shop');
    expect(graph.profileRequests(ALICE)).toHaveLength(2);
    expect(logs.matching('profile look-up failed')).toHaveLength(1);
  });

  it('when a refresh fails, then the username already known is kept', async () => {
    graph.profileAnswers(ALICE, { json: { id: ALICE, username: 'alice.shop' } }, graphError(2));
    expect(await lookup.username(ALICE)).toBe('alice.shop');

    now += 25 * HOUR;

    expect(await lookup.username(ALICE)).toBe('alice.shop');
    expect(graph.profileRequests(ALICE)).toHaveLength(2);
  });

  it('when several callers ask at once, then one request answers them all', async () => {
    graph.setProfile(ALICE, { username: 'alice.shop' });

    const names = await Promise.all([1, 2, 3, 4].map(() => lookup.username(ALICE)));

    expect(names).toEqual(['alice.shop', 'alice.shop', 'alice.shop', 'alice.shop']);
    expect(graph.profileRequests(ALICE)).toHaveLength(1);
  });

  it('when the id could not be an IGSID, then nothing is asked and null comes back', async () => {
    expect(await lookup.username('../me/messages')).toBeNull();
    expect(graph.requests).toHaveLength(0);
  });

  it('when the Graph API answers garbage or nothing, then null comes back and nothing throws', async () => {
    graph.profileAnswers(ALICE, { status: 200, raw: 'not json' });
    graph.profileAnswers('6000000000000009', { drop: true });

    expect(await lookup.username(ALICE)).toBeNull();
    expect(await lookup.username('6000000000000009')).toBeNull();
  });
});
