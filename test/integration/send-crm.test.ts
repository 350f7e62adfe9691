import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_ACCOUNT_ID, graphError, type FakeGraph } from '../support/fake-graph.js';
import { startWithGraph } from '../support/graph-service.js';
import { createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';
import type { TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const ALICE = '6000000000000001';
const BOB = '6000000000000002';

function send(service: TestService, body: unknown) {
  return service.api('/api/messages', { method: 'POST', body: JSON.stringify(body) });
}

function webhookOf(item: { sender: string; recipient: string; message: Record<string, unknown> }) {
  return {
    object: 'instagram',
    entry: [{ id: FAKE_ACCOUNT_ID, time: Date.now(), messaging: [{ sender: { id: item.sender }, recipient: { id: item.recipient }, timestamp: Date.now(), message: item.message }] }],
  };
}

describe('sent messages and usernames in the CRM table (real MySQL, fake Graph API)', () => {
  let graph: FakeGraph;
  let crm: CrmTestDatabase;
  let service: TestService;
  let stop: () => Promise<void>;
  beforeEach(async () => {
    crm = await createCrmDatabase();
    ({ graph, service, stop } = await startWithGraph({ ...crm.env, CRM_RETRY_MAX_S: '0.5' }));
  });
  afterEach(async () => {
    await stop();
    await crm.drop();
  });

  /** The CRM rows once the row with `message` has arrived (the drainer keeps order, so rows before it have too). */
  async function rowsThrough(message: string) {
    return waitFor(async () => {
      const rows = await crm.rows();
      return rows.some((row) => row.message === message) ? rows : null;
    }, `CRM row "${message}"`);
  }

  it('when a text and an image are sent, then each is one CRM row, direction out, under the recipient with the looked-up username', async () => {
    graph.setProfile(ALICE, { username: 'alice.shop', name: 'Alice' });
    const url = 'https://cdn.example.com/shoe.jpg';

    const text = await send(service, { recipient_id: ALICE, text: 'Yes, we ship to Berlin.' });
    const image = await send(service, { recipient_id: ALICE, attachment: { type: 'image', url } });

    expect([text.status, image.status]).toEqual([201, 201]);
    const sentAt = ((await text.json()) as { timestamp: string }).timestamp;
    const rows = await rowsThrough(`[image] ${url}`);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ user_id: ALICE, username: 'alice.shop', direction: 'out', message: 'Yes, we ship to Berlin.', created_at: new Date(sentAt) });
    expect(rows[1]).toMatchObject({ user_id: ALICE, username: 'alice.shop', direction: 'out', message: `[image] ${url}` });
  });

  it('when the echo of a sent message arrives, then the CRM still has one row for it', async () => {
    const sent = (await (await send(service, { recipient_id: ALICE, text: 'On its way.' })).json()) as { mid: string };
    await rowsThrough('On its way.');

    const echo = await service.webhook(webhookOf({ sender: FAKE_ACCOUNT_ID, recipient: ALICE, message: { mid: sent.mid, text: 'On its way.', is_echo: true } }));
    await send(service, { recipient_id: ALICE, text: 'marker' });

    expect(await echo.json()).toMatchObject({ duplicates: 1, stored: 0 });
    const rows = await rowsThrough('marker');
    expect(rows.map((row) => [row.direction, row.message])).toEqual([['out', 'On its way.'], ['out', 'marker']]);
  });

  it('when Meta refuses a send, then nothing reaches the CRM', async () => {
    graph.nextSend(graphError(10));

    expect((await send(service, { recipient_id: ALICE, text: 'too late' })).status).toBe(502);
    await send(service, { recipient_id: ALICE, text: 'marker' });

    expect((await rowsThrough('marker')).map((row) => row.message)).toEqual(['marker']);
  });

  it('when a known user writes, then the CRM row carries the username', async () => {
    graph.setProfile(BOB, { username: 'bob_b' });

    await service.webhook(webhookOf({ sender: BOB, recipient: FAKE_ACCOUNT_ID, message: { mid: 'mid.crm.bob.1', text: 'hi from Bob' } }));

    expect((await rowsThrough('hi from Bob'))[0]).toMatchObject({ user_id: BOB, username: 'bob_b', direction: 'in' });
  });

  it('when the profile cannot be had, then the CRM gets the user id, the error is logged once and the second message asks nothing', async () => {
    graph.profileAnswers(ALICE, graphError(230, { message: 'User consent is required to access user profile' }));

    await service.webhook(webhookOf({ sender: ALICE, recipient: FAKE_ACCOUNT_ID, message: { mid: 'mid.crm.a.1', text: 'first' } }));
    await rowsThrough('first');
    await service.webhook(webhookOf({ sender: ALICE, recipient: FAKE_ACCOUNT_ID, message: { mid: 'mid.crm.a.2', text: 'second' } }));
    const rows = await rowsThrough('second');

    expect(rows.map((row) => [row.user_id, row.username])).toEqual([[ALICE, ALICE], [ALICE, ALICE]]);
    expect(graph.profileRequests(ALICE)).toHaveLength(1);
    expect(service.logs.matching('profile look-up failed')).toHaveLength(1);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});

describe('a CRM row and a profile look-up that takes too long (real MySQL, fake Graph API)', () => {
  it('when the look-up hangs, then the row waits at most CRM_USERNAME_WAIT_S and carries the user id', async () => {
    const crm = await createCrmDatabase();
    const { graph, service, stop } = await startWithGraph({ ...crm.env, CRM_USERNAME_WAIT_S: '0.3', GRAPH_TIMEOUT_S: '120' });
    try {
      graph.profileAnswers(ALICE, { hang: true });
      await service.webhook(webhookOf({ sender: ALICE, recipient: FAKE_ACCOUNT_ID, message: { mid: 'mid.crm.slow', text: 'anyone?' } }));
      // The look-up never answers (its Graph timeout is 120 s): the row came without it.
      const rows = await waitFor(async () => ((await crm.rows()).length > 0 ? crm.rows() : null), 'the CRM row');
      expect(rows.map((row) => [row.user_id, row.username])).toEqual([[ALICE, ALICE]]);
      expect(graph.profileRequests(ALICE)).toHaveLength(1);
      expect(service.logs.matching('profile look-up failed')).toHaveLength(0);
    } finally {
      await stop();
      await crm.drop();
    }
  });
});
