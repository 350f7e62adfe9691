import { describe, expect } from 'vitest';
import { fixtureBytes } from '../support/fixtures.js';
import { FAKE_GRAPH_TOKEN, graphError } from '../support/fake-graph.js';
import { graphTest } from '../support/graph-service.js';
import type { TestService } from '../support/service.js';

const ALICE = '6000000000000001';
const BOB = '6000000000000002';

async function conversations(service: TestService): Promise<any[]> {
  return ((await (await service.api('/api/conversations')).json()) as { conversations: any[] }).conversations;
}

/** Polls (bounded) until the look-up has been answered and its outcome is visible. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function inbound(mid: string, sender: string, text: string) {
  return {
    object: 'instagram',
    entry: [{ id: '17841400000000001', time: Date.now(), messaging: [{ sender: { id: sender }, recipient: { id: '17841400000000001' }, timestamp: Date.now(), message: { mid, text } }] }],
  };
}

const test = graphTest();

describe('username look-up through the Graph profile API', () => {
  test('when a known user writes, then the documented profile request is made and the conversations list shows the username', async ({ graph, service }) => {
    graph.setProfile(ALICE, { username: 'alice.shop', name: 'Alice' });

    const webhook = await service.webhook(fixtureBytes('f1-text'));

    expect(webhook.status).toBe(200);
    const list = await eventually(() => conversations(service), (rows) => rows[0]?.username === 'alice.shop');
    expect(list[0]).toMatchObject({ user_id: ALICE, username: 'alice.shop', name: 'Alice' });
    const [request] = graph.profileRequests(ALICE);
    expect(request).toMatchObject({
      method: 'GET',
      path: `/v24.0/${ALICE}`,
      version: 'v24.0',
      query: { fields: 'name,username' },
      authorization: `Bearer ${FAKE_GRAPH_TOKEN}`,
    });
  });

  test('when the same user writes again, then there is no second look-up', async ({ graph, service }) => {
    graph.setProfile(ALICE, { username: 'alice.shop' });
    await service.webhook(inbound('mid.p.1', ALICE, 'first'));
    await eventually(() => conversations(service), (rows) => rows[0]?.username === 'alice.shop');

    await service.webhook(inbound('mid.p.2', ALICE, 'second'));
    await service.webhook(fixtureBytes('f3-batch'));
    await graph.waitFor((r) => r.endpoint === BOB);
    await eventually(() => conversations(service), (rows) => rows.find((row) => row.user_id === BOB)?.username === BOB);

    expect(graph.profileRequests(ALICE)).toHaveLength(1);
  });

  test('when the profile cannot be had (no consent), then the user id stands in, the error is logged once, and the next message asks nothing', async ({ graph, service }) => {
    graph.profileAnswers(ALICE, graphError(230, { message: 'User consent is required to access user profile' }));

    expect((await service.webhook(inbound('mid.u.1', ALICE, 'first'))).status).toBe(200);
    await eventually(async () => service.logs.matching('profile look-up failed'), (lines) => lines.length > 0);
    expect((await service.webhook(inbound('mid.u.2', ALICE, 'second'))).status).toBe(200);

    const [row] = await conversations(service);
    expect(row).toMatchObject({ user_id: ALICE, username: ALICE, message_count: 2 });
    expect(graph.profileRequests(ALICE)).toHaveLength(1);
    const logged = service.logs.matching('profile look-up failed');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ customerId: ALICE, graph: { code: 230 } });
    expect(service.logs.text()).not.toContain(FAKE_GRAPH_TOKEN);
  });

  test('when many messages of one new user arrive at once, then one look-up serves them all', async ({ graph, service }) => {
    graph.setProfile(ALICE, { username: 'alice.shop' });

    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => service.webhook(inbound(`mid.c.${n}`, ALICE, `message ${n}`))));

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await eventually(() => conversations(service), (rows) => rows[0]?.username === 'alice.shop');
    expect(graph.profileRequests(ALICE)).toHaveLength(1);
  });

  test('when the Graph API hangs, then the webhook is still answered at once and shutdown is not held up', async ({ graph, service }) => {
    graph.profileAnswers(ALICE, { hang: true });

    const webhook = await service.webhook(inbound('mid.h.1', ALICE, 'hello'));

    expect(webhook.status).toBe(200);
    await graph.waitFor((r) => r.endpoint === ALICE);
    expect((await conversations(service))[0]).toMatchObject({ user_id: ALICE, username: ALICE });
  });

  test('when a message is sent to a user whose profile is known, then the sent message is listed under the username', async ({ graph, service }) => {
    graph.setProfile(BOB, { username: 'bob_b' });
    await service.webhook(inbound('mid.b.1', BOB, 'hi'));
    await eventually(() => conversations(service), (rows) => rows[0]?.username === 'bob_b');

    const sent = await service.api('/api/messages', { method: 'POST', body: JSON.stringify({ recipient_id: BOB, text: 'hello Bob' }) });

    expect(sent.status).toBe(201);
    expect((await conversations(service))[0]).toMatchObject({ user_id: BOB, username: 'bob_b', last_message: { direction: 'out', text: 'hello Bob' } });
    expect(graph.profileRequests(BOB)).toHaveLength(1);
  });
});
