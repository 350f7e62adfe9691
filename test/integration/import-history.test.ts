import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AddAccount } from '../../src/application/add-account.js';
import type { HistoryOptions, ImportHistory } from '../../src/application/import-history.js';
import type { RegisterEnvAccount } from '../../src/application/register-env-account.js';
import { loadConfig } from '../../src/config.js';
import { buildContainer } from '../../src/container.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { createLogger } from '../../src/logger.js';
import { TOKENS } from '../../src/tokens.js';
import { FAKE_ACCOUNT_ID, FAKE_GRAPH_TOKEN, graphError, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { conversation } from '../support/history.js';
import { textMessages } from '../support/instagram-events.js';
import { LogCapture } from '../support/log-capture.js';
import { createCrmDatabase } from '../support/mysql.js';
import { startTestService } from '../support/service.js';
import { sqliteRows } from '../support/sqlite-rows.js';
import { waitFor } from '../support/wait.js';

const ALICE = { id: '6000000000000001', username: 'alice.berlin' };
const BOB = { id: '6000000000000002', username: 'bob_builds' };
const NOW = Date.parse('2026-11-30T10:00:00Z');

interface Row { mid: string; customer_id: string; direction: string; text: string | null; sent_at: number; origin: string; attachments: string }

/** ImportHistory as `npm run history:import` builds it, on a real SQLite file and the fake Graph API. */
describe('ImportHistory over the Conversations API', () => {
  let graph: FakeGraph;
  let dir: string;
  let env: Record<string, string>;
  let logs: LogCapture;
  const rows = () => sqliteRows<Row>(env.SQLITE_PATH!, 'SELECT mid, customer_id, direction, text, sent_at, origin, attachments FROM messages ORDER BY sent_at, mid');
  const run = async (options: Partial<HistoryOptions> = {}, extra: Record<string, string> = {}) => {
    // As npm run history:import wires it.
    const container = buildContainer(loadConfig({ ...env, ...extra }), createLogger('debug', logs), { storeOnly: true });
    try {
      await container.resolve<RegisterEnvAccount>(TOKENS.RegisterEnvAccount).execute();
      return await container.resolve<ImportHistory>(TOKENS.ImportHistory).execute({ walk: 'import', account: FAKE_ACCOUNT_ID, since: null, ...options });
    } finally {
      await new Lifecycle(container).stop();
    }
  };

  beforeEach(async () => {
    graph = await startFakeGraph();
    logs = new LogCapture();
    dir = mkdtempSync(join(tmpdir(), 'igbridge-history-'));
    env = { ...graph.env, SQLITE_PATH: join(dir, 'igbridge.db'), HISTORY_CALLS_PER_S: '500' };
    // Alice (a day older): 25 messages, only the 20 most recent have details; Bob: 3, one with an image.
    graph.inbox.add(conversation('conv-alice', ALICE, 25, NOW - 86_400_000));
    const bob = graph.inbox.add(conversation('conv-bob', BOB, 3, NOW));
    bob.messages[2]!.attachments = [{ id: '1', mime_type: 'image/jpeg', name: 'chair.jpg', size: 100, image_data: { url: 'https://cdn.example/chair.jpg', preview_url: 'https://cdn.example/p.jpg' } }];
    graph.inbox.conversationPageSize = 1;
    graph.inbox.messagePageSize = 10;
  });
  afterEach(async () => {
    await graph.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the store is empty, then every message Meta details is stored with its direction, time, text, attachments and origin, and the older ones are counted', async () => {
    const { tally } = await run();

    expect(tally).toMatchObject({ conversations: 2, imported: 23, known: 0, unavailable: 5 });
    const stored = rows();
    expect(stored).toHaveLength(23);
    expect(stored.map((r) => r.mid)).not.toContain('conv-alice.m4');
    expect(stored.find((r) => r.mid === 'conv-alice.m5')).toEqual({
      mid: 'conv-alice.m5', customer_id: ALICE.id, direction: 'out', text: 'conv-alice message 5', sent_at: NOW - 86_400_000 - 19 * 60_000, origin: 'history', attachments: '[]',
    });
    expect(stored.find((r) => r.mid === 'conv-bob.m2')).toMatchObject({ customer_id: BOB.id, direction: 'in', sent_at: NOW, attachments: '[{"type":"image","url":"https://cdn.example/chair.jpg"}]' });
    expect(sqliteRows(env.SQLITE_PATH!, 'SELECT customer_id, username FROM contacts ORDER BY customer_id')).toEqual([
      { customer_id: ALICE.id, username: ALICE.username },
      { customer_id: BOB.id, username: BOB.username },
    ]);
    // Paged as documented: the conversations list with platform=instagram, then by cursor.
    const lists = graph.historyRequests().filter((r) => r.endpoint === `${FAKE_ACCOUNT_ID}/conversations`);
    expect(lists.map((r) => [r.query.platform, r.query.after === undefined])).toEqual([['instagram', true], ['instagram', false]]);
    expect(graph.historyRequests().filter((r) => r.endpoint === 'conv-alice/messages')).toHaveLength(2);
    // Details stop at the first message Meta refuses: one refused call, the 4 older not asked.
    expect(graph.historyRequests().filter((r) => /^conv-alice\.m[0-4]$/.test(r.endpoint)).map((r) => r.endpoint)).toEqual(['conv-alice.m4']);
  });

  it('when it runs a second time, then nothing is stored twice and no message details are asked again', async () => {
    await run();
    const before = graph.requests.length;

    const { tally } = await run();

    expect(tally).toMatchObject({ imported: 0, known: 23 });
    expect(rows()).toHaveLength(23);
    const details = graph.requests.slice(before).filter((r) => r.query.fields?.includes('created_time,from'));
    expect(details.map((r) => r.endpoint)).toEqual(['conv-alice.m4']);
  });

  it('when limited by since or a number of conversations, then only the newest conversations and messages are imported', async () => {
    expect((await run({ since: NOW - 3_600_000 })).tally).toMatchObject({ conversations: 1, imported: 3 });
    expect(new Set(rows().map((r) => r.customer_id))).toEqual(new Set([BOB.id]));

    expect((await run({ limit: 2 })).tally).toMatchObject({ conversations: 2, imported: 20, known: 3 });
  });

  it('when Meta answers rate-limit errors, then the walk backs off and finishes', async () => {
    graph.inbox.failNext(graphError(4), graphError(613));

    const { tally } = await run();

    expect(tally.imported).toBe(23);
    expect(logs.matching('rate limit reached; backing off').map((l) => l.retryInMs)).toEqual([1000, 2000]);
  });

  it('when the calls are limited to HISTORY_CALLS_PER_S, then the fake never sees more in any second', async () => {
    await run({}, { HISTORY_CALLS_PER_S: '10' });

    expect(graph.historyRequests().length).toBeGreaterThan(20);
    expect(graph.maxPerSecond()).toBeLessThanOrEqual(10);
  });

  it('when Meta refuses the token (190), then the walk stops at once with a clear error', async () => {
    graph.inbox.failNext(graphError(190));

    await expect(run()).rejects.toMatchObject({ code: 'history_token_invalid', message: expect.stringContaining(`Meta refused the access token of account ${FAKE_ACCOUNT_ID} (code 190`) });
    expect(graph.historyRequests()).toHaveLength(1);
  });

  it('when a walk was interrupted, then the next one resumes after the conversations already done', async () => {
    let failing = true;
    graph.on('GET', /^conv-alice$/, (request) => (failing ? graphError(190) : graph.inbox.route(request)!));
    await expect(run()).rejects.toMatchObject({ code: 'history_token_invalid' });
    expect(rows().map((r) => r.mid)).toEqual(['conv-bob.m0', 'conv-bob.m1', 'conv-bob.m2']);
    failing = false;
    const before = graph.requests.length;

    const report = await run();

    expect(report).toMatchObject({ resumed: true, tally: { conversations: 2, imported: 23 } });
    expect(graph.requests.slice(before).filter((r) => r.endpoint.startsWith('conv-bob'))).toHaveLength(0);
    expect(rows()).toHaveLength(23);
  });

  it('when another account is walked, then its calls carry its own token and its checkpoint is its own', async () => {
    const OUTLET = '17841400000000002';
    graph.addAccount({ id: OUTLET, username: 'acme.outlet', token: 'outlet-token' });
    graph.on('GET', new RegExp(`^${OUTLET}/conversations$`), { json: { data: [], paging: { cursors: {} } } });
    const container = buildContainer(loadConfig(env), createLogger('debug', logs), { storeOnly: true });
    try {
      await container.resolve<AddAccount>(TOKENS.AddAccount).execute('outlet-token');
      await container.resolve<ImportHistory>(TOKENS.ImportHistory).execute({ walk: 'import', account: OUTLET, since: null });
    } finally {
      await new Lifecycle(container).stop();
    }
    await run();

    const lists = graph.requests.filter((r) => r.endpoint.endsWith('/conversations'));
    expect(lists.map((r) => [r.endpoint.split('/')[0], r.token])).toEqual([
      [OUTLET, 'outlet-token'],
      [FAKE_ACCOUNT_ID, FAKE_GRAPH_TOKEN],
      [FAKE_ACCOUNT_ID, FAKE_GRAPH_TOKEN],
    ]);
    expect(graph.historyRequests().filter((r) => r.token !== FAKE_GRAPH_TOKEN).map((r) => r.endpoint)).toEqual([`${OUTLET}/conversations`]);
    expect(sqliteRows<{ walk: string }>(env.SQLITE_PATH!, 'SELECT walk FROM history_state ORDER BY walk').map((r) => r.walk)).toEqual([`import:${FAKE_ACCOUNT_ID}`, `import:${OUTLET}`]);
  });

  it('when Meta gives ids that are not its form, then those items are skipped and logged', async () => {
    graph.inbox.add({ id: 'conv-evil', customer: { id: '../../me', username: 'x' }, messages: [{ id: 'evil.m0', at: NOW + 1000, from: 'customer', text: 'hi' }] });

    const { tally } = await run();

    expect(tally).toMatchObject({ imported: 23, unavailable: 6 });
    expect(rows().map((r) => r.mid)).not.toContain('evil.m0');
    expect(logs.matching('not in the documented form')).toHaveLength(1);
  });

  it('when webhooks already delivered half and the CRM mirror is on, then nothing is duplicated locally or in the CRM', async () => {
    const crm = await createCrmDatabase();
    try {
      const service = await startTestService({ ...env, ...crm.env });
      const bob = graph.inbox.conversations.find((c) => c.id === 'conv-bob')!;
      await service.webhook(textMessages(bob.messages.slice(0, 2).map((m) => ({ mid: m.id, text: m.text!, customer: BOB.id, at: m.at, echo: m.from === 'account' }))));

      const { tally } = await run({}, crm.env);

      expect(tally).toMatchObject({ imported: 21, known: 2 });
      expect(rows().map((r) => [r.mid, r.origin]).filter(([mid]) => mid!.startsWith('conv-bob'))).toEqual([
        ['conv-bob.m0', 'webhook'], ['conv-bob.m1', 'webhook'], ['conv-bob.m2', 'history'],
      ]);
      // The running service mirrors what the import committed, once each.
      const mirrored = await waitFor(async () => ((await crm.rows()).length >= 23 ? crm.rows() : null), 'the CRM to have every message');
      expect(mirrored).toHaveLength(23);
      expect(new Set(mirrored.map((r) => `${r.user_id}|${r.message}`)).size).toBe(23);
      expect(mirrored.find((r) => r.message === 'conv-bob message 1')).toMatchObject({ direction: 'out', user_id: BOB.id });
      expect(mirrored.find((r) => r.message === 'conv-alice message 23')).toMatchObject({ direction: 'out', username: ALICE.username });
      await service.stop();
      expect(await crm.rows()).toHaveLength(23);
    } finally {
      await crm.drop();
    }
  });
});
