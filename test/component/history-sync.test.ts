import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_ACCOUNT_ID, graphError, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { conversation } from '../support/history.js';
import { textMessages } from '../support/instagram-events.js';
import { createCrmDatabase } from '../support/mysql.js';
import { createPgDatabase } from '../support/postgres.js';
import { startTestService, type TestService } from '../support/service.js';
import { sqliteRows } from '../support/sqlite-rows.js';
import { waitFor } from '../support/wait.js';

const ALICE = { id: '6000000000000001', username: 'alice.berlin' };
/** A pass every 0.6 s. */
const SYNC = { HISTORY_SYNC_INTERVAL_M: '0.01', HISTORY_CALLS_PER_S: '200' };

async function readyz(service: TestService): Promise<{ webhooks: { last_received_at: string | null; state: string } }> {
  return (await fetch(`${service.url}/readyz`)).json() as never;
}

async function metric(service: TestService, name: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

const listRequests = (graph: FakeGraph) => graph.historyRequests().filter((r) => r.endpoint === `${FAKE_ACCOUNT_ID}/conversations`);

describe('reconciliation with the Conversations API', () => {
  let graph: FakeGraph;
  let services: TestService[] = [];
  beforeEach(async () => {
    graph = await startFakeGraph();
  });
  afterEach(async () => {
    for (const service of services) await service.stop();
    services = [];
    await graph.close();
  });
  const start = async (env: Record<string, string>) => {
    const service = await startTestService({ ...graph.env, ...SYNC, ...env });
    services.push(service);
    return service;
  };

  it('when the webhook never delivered a message, then the next pass recovers it, shows its origin and mirrors it to the CRM once', async () => {
    const crm = await createCrmDatabase();
    try {
      const now = Date.now();
      const thread = graph.inbox.add(conversation('conv-alice', ALICE, 3, now));
      const service = await start(crm.env);
      // Webhooks brought the first two; the newest never came.
      await service.webhook(textMessages(thread.messages.slice(0, 2).map((m) => ({ mid: m.id, text: m.text!, at: m.at, echo: m.from === 'account' }))));

      const recovered = await waitFor(async () => {
        const { messages } = (await (await service.api(`/api/conversations/${ALICE.id}/messages`)).json()) as { messages: Array<{ mid: string; origin: string }> };
        return messages.length === 3 ? messages : null;
      }, 'the missing message to be recovered');

      expect(recovered.map((m) => [m.mid, m.origin])).toEqual([['conv-alice.m0', 'webhook'], ['conv-alice.m1', 'webhook'], ['conv-alice.m2', 'history']]);
      await waitFor(async () => (await crm.rows()).length === 3, 'the CRM to have the three messages');
      // Later passes find nothing new: still one CRM row each, and no details asked again.
      const passes = listRequests(graph).length;
      await waitFor(() => listRequests(graph).length >= passes + 2, 'two more passes');
      expect((await crm.rows()).map((r) => r.message)).toEqual(['conv-alice message 0', 'conv-alice message 1', 'conv-alice message 2']);
      expect(graph.historyRequests().filter((r) => r.endpoint === 'conv-alice.m2')).toHaveLength(1);
      expect(await metric(service, 'igbridge_history_recovered_total')).toBe(1);
      expect(await metric(service, 'igbridge_history_calls_total{outcome="ok"}')).toBeGreaterThanOrEqual(3);
      expect(service.logs.matching('history sync recovered 1 message(s) the webhooks did not deliver')).toHaveLength(1);
    } finally {
      await crm.drop();
    }
  });

  it('when a pass recovers messages newer than the last webhook by more than WEBHOOK_SILENCE_ALERT_M, then /readyz says silent and an error log says what to check; the next webhook clears it', async () => {
    const service = await start({ WEBHOOK_SILENCE_ALERT_M: '1' });
    await service.webhook(textMessages([{ mid: 'old.1', text: 'an hour ago', at: Date.now() - 3_600_000 }]));
    const before = await readyz(service);
    expect(before.webhooks.state).toBe('ok');
    const lastWebhook = Date.parse(before.webhooks.last_received_at!);
    expect(await metric(service, 'igbridge_webhook_last_received_timestamp_seconds')).toBe(lastWebhook / 1000);
    // Webhooks stop arriving; a DM two minutes later reaches only the Conversations API.
    graph.inbox.add({ id: 'conv-new', customer: ALICE, messages: [{ id: 'lost.1', at: lastWebhook + 120_000, from: 'customer', text: 'anyone there?' }] });

    await waitFor(async () => (await readyz(service)).webhooks.state === 'silent', 'webhooks.state silent');

    const [alarm] = service.logs.matching('webhooks look silent');
    expect(alarm).toMatchObject({ level: 50, lastWebhookAt: new Date(lastWebhook).toISOString() });
    expect(alarm!.msg).toContain('Meta app dashboard');
    expect(alarm!.msg).toContain('"messages" field is subscribed');
    await service.webhook(textMessages([{ mid: 'new.1', text: 'back', at: Date.now() }]));
    expect((await readyz(service)).webhooks.state).toBe('ok');
  });

  it('when the recovered messages are within WEBHOOK_SILENCE_ALERT_M of the last webhook, then /readyz stays ok', async () => {
    const service = await start({ WEBHOOK_SILENCE_ALERT_M: '30' });
    await service.webhook(textMessages([{ mid: 'w.1', text: 'hi', at: Date.now() }]));
    graph.inbox.add({ id: 'conv-a', customer: ALICE, messages: [{ id: 'lost.1', at: Date.now() + 60_000, from: 'customer', text: 'one more' }] });

    await waitFor(() => sqliteRows(service.sqlitePath, `SELECT 1 FROM messages WHERE mid = 'lost.1'`).length === 1, 'the recovery');

    expect((await readyz(service)).webhooks.state).toBe('ok');
    expect(service.logs.matching('webhooks look silent')).toHaveLength(0);
  });

  it('when Meta refuses the token (190), then the sync logs why, the account is invalid, and its passes stop', async () => {
    graph.inbox.failNext(graphError(190));
    const service = await start({});

    await waitFor(() => service.logs.matching(`Meta refused the access token of account ${FAKE_ACCOUNT_ID} (code 190`).length === 1, 'the 190 log');
    const calls = graph.historyRequests().length;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // two intervals: no further pass

    expect(graph.historyRequests()).toHaveLength(calls);
    expect(service.logs.matching('Meta refused the access token')[0]).toMatchObject({ level: 50 });
    expect(await (await service.api('/api/accounts')).json()).toMatchObject([{ id: FAKE_ACCOUNT_ID, token_state: 'invalid' }]);
    expect(service.logs.text()).not.toContain(graph.token);
  });

  it('when the service stops during a pass, then it stops cleanly and the next start resumes the pass', async () => {
    const now = Date.now();
    for (const [i, id] of ['conv-1', 'conv-2', 'conv-3'].entries()) graph.inbox.add(conversation(id, { id: `600000000000001${i}`, username: `u${i}` }, 2, now - i * 1000));
    graph.inbox.conversationPageSize = 1;
    const first = await start({ HISTORY_CALLS_PER_S: '4' });
    const path = first.sqlitePath;
    await waitFor(() => sqliteRows(path, 'SELECT 1 FROM messages').length >= 2, 'the first conversation');

    await first.close(2_000);

    expect(first.logs.matching('igbridge stopped')).toHaveLength(1);
    expect(first.logs.lines.filter((l) => l.level >= 50)).toEqual([]);
    const [state] = sqliteRows<{ progress: string | null; cursor: string | null }>(path, `SELECT progress, cursor FROM history_state WHERE walk = 'sync:${FAKE_ACCOUNT_ID}'`);
    expect(state!.progress).not.toBeNull();
    const stored = sqliteRows(path, 'SELECT mid FROM messages').length;
    expect(stored).toBeLessThan(6);
    const before = graph.requests.length;

    const second = await start({ SQLITE_PATH: path });

    const [summary] = await waitFor(() => second.logs.matching('history sync recovered').at(0) && second.logs.matching('history sync recovered'), 'the resumed pass');
    expect(summary).toMatchObject({ resumed: true, conversations: 3, recovered: 6 });
    expect(sqliteRows(path, 'SELECT 1 FROM messages')).toHaveLength(6);
    // The resumed pass started at the page where the first one stopped, not at the top.
    const [firstList] = listRequests(graph).filter((r) => graph.requests.indexOf(r) >= before);
    expect(firstList!.query.after).toBeDefined();
  });

  it('when two instances share PostgreSQL, then one history pass runs at a time and the other skips its turn', async () => {
    const database = await createPgDatabase();
    try {
      // Each pass's conversations list takes 1.5 s, longer than the 0.6 s between passes.
      graph.on('GET', new RegExp(`^${FAKE_ACCOUNT_ID}/conversations$`), { json: { data: [] }, delayMs: 1_500 });
      const one = await start({ DATABASE_URL: database.url });
      const two = await start({ DATABASE_URL: database.url });
      await waitFor(() => listRequests(graph).length >= 4, 'four passes', 30_000);
      const skipped = [...one.logs.matching('another instance is running one'), ...two.logs.matching('another instance is running one')];
      expect(skipped.length).toBeGreaterThan(0);
      // Never two walks at once: each list request comes after the previous pass's 1.5 s answer.
      const times = listRequests(graph).map((r) => r.receivedAt).sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_400);
    } finally {
      for (const service of services.splice(0)) await service.stop();
      await database.drop();
    }
  });
});
