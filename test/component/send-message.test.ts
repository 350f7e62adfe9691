import { describe, expect, it } from 'vitest';
import { FAKE_ACCOUNT_ID, FAKE_GRAPH_TOKEN, graphError, startFakeGraph, type FakeAnswer } from '../support/fake-graph.js';
import { graphTest, startWithGraph } from '../support/graph-service.js';
import { startTestService, type TestService } from '../support/service.js';

const ALICE = '6000000000000001';
const VERSION = 'v24.0';

function post(service: TestService, body: unknown, headers: Record<string, string> = {}) {
  return service.api('/api/messages', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
}

async function thread(service: TestService, userId = ALICE): Promise<any[]> {
  const response = await service.api(`/api/conversations/${userId}/messages?limit=200`);
  return ((await response.json()) as { messages: any[] }).messages;
}

async function conversations(service: TestService): Promise<any[]> {
  return ((await (await service.api('/api/conversations')).json()) as { conversations: any[] }).conversations;
}

function echoOf(mid: string, text: string) {
  return {
    object: 'instagram',
    entry: [{
      id: FAKE_ACCOUNT_ID,
      time: Date.now(),
      messaging: [{ sender: { id: FAKE_ACCOUNT_ID }, recipient: { id: ALICE }, timestamp: Date.now(), message: { mid, text, is_echo: true } }],
    }],
  };
}

const test = graphTest({ GRAPH_API_VERSION: VERSION });

describe('POST /api/messages, against a fake Graph API', () => {
  test('when a text is sent, then Meta gets exactly the documented request and the API answers 201 with the stored outbound message', async ({ graph, service }) => {
    const response = await post(service, { recipient_id: ALICE, text: 'Yes, we ship to Berlin.' });

    expect(response.status).toBe(201);
    const sends = graph.sends();
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({
      method: 'POST',
      path: `/${VERSION}/${FAKE_ACCOUNT_ID}/messages`,
      version: VERSION,
      endpoint: `${FAKE_ACCOUNT_ID}/messages`,
      authorization: `Bearer ${FAKE_GRAPH_TOKEN}`,
      query: {},
      contentType: 'application/json',
    });
    expect(sends[0]!.body).toEqual({ recipient: { id: ALICE }, message: { text: 'Yes, we ship to Berlin.' } });
    const message = await response.json();
    expect(message).toMatchObject({
      mid: 'aWdfZAG1faXRlbTpmYWtl1',
      user_id: ALICE,
      account_id: FAKE_ACCOUNT_ID,
      direction: 'out',
      text: 'Yes, we ship to Berlin.',
      attachments: [],
      crm: { state: 'not_mirrored' },
    });
    expect(await thread(service)).toEqual([message]);
  });

  test('when an image is sent, then Meta gets an image attachment and the stored message carries it', async ({ graph, service }) => {
    const url = 'https://cdn.example.com/catalogue/shoe.jpg';

    const response = await post(service, { recipient_id: ALICE, attachment: { type: 'image', url } });

    expect(response.status).toBe(201);
    expect(graph.sends()[0]!.body).toEqual({ recipient: { id: ALICE }, message: { attachment: { type: 'image', payload: { url } } } });
    expect(await response.json()).toMatchObject({ direction: 'out', user_id: ALICE, text: null, attachments: [{ type: 'image', url }] });
    expect((await conversations(service))[0]).toMatchObject({ user_id: ALICE, last_message: { direction: 'out', text: null, attachments: [{ type: 'image', url }] } });
  });

  test('when the human-agent tag is asked for, then Meta gets messaging_type MESSAGE_TAG and tag HUMAN_AGENT', async ({ graph, service }) => {
    const response = await post(service, { recipient_id: ALICE, text: 'A person will help you.', tag: 'HUMAN_AGENT' });

    expect(response.status).toBe(201);
    expect(graph.sends()[0]!.body).toEqual({
      recipient: { id: ALICE },
      messaging_type: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
      message: { text: 'A person will help you.' },
    });
  });

  test('when the echo of a sent message arrives, then it is recognised by its mid and the thread keeps one row', async ({ service }) => {
    const sent = (await (await post(service, { recipient_id: ALICE, text: 'On its way.' })).json()) as { mid: string };

    const webhook = await service.webhook(echoOf(sent.mid, 'On its way.'));

    expect(webhook.status).toBe(200);
    expect(await webhook.json()).toMatchObject({ stored: 0, duplicates: 1 });
    expect((await thread(service)).map((m) => [m.mid, m.direction])).toEqual([[sent.mid, 'out']]);
  });

  test('when the text is 1,000 bytes of emoji, then it is sent; at 1,001 bytes (251 characters) it is refused with 400 and Meta is not called', async ({ graph, service }) => {
    const exactly = '😀'.repeat(250);
    const tooLong = `${exactly}a`;
    expect([...tooLong]).toHaveLength(251);
    expect(Buffer.byteLength(tooLong)).toBe(1001);

    const refused = await post(service, { recipient_id: ALICE, text: tooLong });

    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_request', field: 'text', bytes: 1001, max_bytes: 1000 } });
    expect(graph.requests).toHaveLength(0);
    expect((await post(service, { recipient_id: ALICE, text: exactly })).status).toBe(201);
  });

  test.for<[string, unknown, RegExp]>([
    ['an unknown field', { recipient_id: ALICE, text: 'hi', priority: 'high' }, /unknown field priority/],
    ['an unknown attachment field', { recipient_id: ALICE, attachment: { type: 'image', url: 'https://x.example/a.png', caption: 'x' } }, /attachment\.caption/],
    ['an http image URL', { recipient_id: ALICE, attachment: { type: 'image', url: 'http://x.example/a.png' } }, /https/],
    ['a URL that is not one', { recipient_id: ALICE, attachment: { type: 'image', url: 'shoe.jpg' } }, /absolute URL/],
    ['an attachment that is not an image', { recipient_id: ALICE, attachment: { type: 'video', url: 'https://x.example/a.mp4' } }, /"image"/],
    ['no recipient', { text: 'hi' }, /recipient_id is required/],
    ['a numeric recipient', { recipient_id: 6000000000000001, text: 'hi' }, /recipient_id must be a string/],
    ['empty text', { recipient_id: ALICE, text: '' }, /must not be empty/],
    ['blank text', { recipient_id: ALICE, text: '  \n ' }, /must not be empty/],
    ['neither text nor attachment', { recipient_id: ALICE }, /exactly one of text or attachment/],
    ['both text and attachment', { recipient_id: ALICE, text: 'hi', attachment: { type: 'image', url: 'https://x.example/a.png' } }, /exactly one/],
    ['another tag', { recipient_id: ALICE, text: 'hi', tag: 'ACCOUNT_UPDATE' }, /HUMAN_AGENT/],
    ['an array body', [{ recipient_id: ALICE, text: 'hi' }], /JSON object/],
  ])('when the body has %s, then 400 names the problem and Meta is not called', async ([_name, body, problem], { graph, service }) => {
    const response = await post(service, body);

    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(problem);
    expect(graph.requests).toHaveLength(0);
  });

  test('when the body is not JSON, then 400 malformed_json; when it is over 64 KiB, then 413; Meta is not called', async ({ graph, service }) => {
    const malformed = await post(service, '{"recipient_id": "1", "text": ');
    const huge = await post(service, { recipient_id: ALICE, text: 'x'.repeat(70_000) });

    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'malformed_json' } });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(graph.requests).toHaveLength(0);
  });

  test('when the bearer token is missing or wrong, then 401 and Meta is not called', async ({ graph, service }) => {
    const missing = await fetch(`${service.url}/api/messages`, { method: 'POST', body: JSON.stringify({ recipient_id: ALICE, text: 'hi' }) });
    const wrong = await post(service, { recipient_id: ALICE, text: 'hi' }, { authorization: 'Bearer not-the-token' });

    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(graph.requests).toHaveLength(0);
  });

  test.for<[number, number | undefined, string, RegExp]>([
    [190, undefined, 'token_invalid', /access token/],
    [10, undefined, 'outside_window', /24 hours/],
    [100, 2534022, 'outside_window', /HUMAN_AGENT/],
    [4, undefined, 'rate_limited', /Rate limited/],
    [17, undefined, 'rate_limited', /Rate limited/],
    [613, undefined, 'rate_limited', /Rate limited/],
    [1, undefined, 'temporary', /may still have gone out/],
    [2, undefined, 'temporary', /temporary/],
    [551, 1545041, 'recipient_unavailable', /not available/],
  ])('when Meta answers error code %s/%s, then 502 passes code, subcode, message and fbtrace_id on, explains it, and nothing is stored', async ([code, subcode, reason, explanation], { graph, service }) => {
    const answer = graphError(code, { subcode, fbtraceId: 'AFbTrAcE123' }) as FakeAnswer & { json: { error: { message: string } } };
    graph.nextSend(answer);

    const response = await post(service, { recipient_id: ALICE, text: 'hello' });

    expect(response.status).toBe(502);
    const { error } = (await response.json()) as { error: any };
    expect(error).toMatchObject({
      code: 'graph_error',
      reason,
      graph: { code, error_subcode: subcode ?? null, message: answer.json.error.message, fbtrace_id: 'AFbTrAcE123' },
    });
    expect(error.message).toMatch(explanation);
    expect(graph.sends()).toHaveLength(1);
    expect(await thread(service)).toEqual([]);
    expect(await conversations(service)).toEqual([]);
  });

  test('when Meta answers something that is not JSON, then 502 and nothing is stored', async ({ graph, service }) => {
    graph.nextSend({ status: 502, raw: '<html><body>Bad Gateway</body></html>' });

    const response = await post(service, { recipient_id: ALICE, text: 'hello' });

    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'graph_error', reason: 'invalid_response', http_status: 502 } });
    expect(await thread(service)).toEqual([]);
  });

  test('when Meta answers 200 without a message_id, then 502 and nothing is stored', async ({ graph, service }) => {
    graph.nextSend({ json: { recipient_id: ALICE } });

    const response = await post(service, { recipient_id: ALICE, text: 'hello' });

    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'graph_error', reason: 'invalid_response' } });
    expect(await thread(service)).toEqual([]);
  });

  test('when sends succeed and fail, then the access token never appears in the log', async ({ graph, service }) => {
    await post(service, { recipient_id: ALICE, text: 'hello' });
    graph.nextSend(graphError(190));
    await post(service, { recipient_id: ALICE, text: 'hello again' });

    expect(service.logs.matching('message sent')).toHaveLength(1);
    expect(service.logs.matching('send refused')).toHaveLength(1);
    expect(service.logs.text()).not.toContain(FAKE_GRAPH_TOKEN);
  });
});

describe('POST /api/messages, other configurations', () => {
  it('when IG_ACCESS_TOKEN is not set, then a valid send answers 503 graph_not_configured', async () => {
    const service = await startTestService();
    try {
      const response = await post(service, { recipient_id: ALICE, text: 'hello' });

      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'graph_not_configured', message: expect.stringMatching(/IG_ACCESS_TOKEN/) } });
    } finally {
      await service.stop();
    }
  });

  it('when nothing listens at GRAPH_API_URL, then 502 graph_unreachable and nothing is stored', async () => {
    const graph = await startFakeGraph();
    const env = graph.env;
    await graph.close();
    const service = await startTestService(env);
    try {
      const response = await post(service, { recipient_id: ALICE, text: 'hello' });

      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { code: 'graph_unreachable' } });
      expect(await thread(service)).toEqual([]);
    } finally {
      await service.stop();
    }
  });

  it('when Meta does not answer within GRAPH_TIMEOUT_S, then 504 graph_timeout and nothing is stored', async () => {
    const { graph, service, stop } = await startWithGraph({ GRAPH_TIMEOUT_S: '0.3' });
    try {
      graph.nextSend({ hang: true });

      const response = await post(service, { recipient_id: ALICE, text: 'hello' });

      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ error: { code: 'graph_timeout' } });
      expect(graph.sends()).toHaveLength(1);
      expect(await thread(service)).toEqual([]);
    } finally {
      await stop();
    }
  });

  it('when IG_ACCOUNT_ID is me, then the account id is learnt from GET /me at start-up and the send goes from that account', async () => {
    const { graph, service, stop } = await startWithGraph({ IG_ACCOUNT_ID: 'me' });
    try {
      const response = await post(service, { recipient_id: ALICE, text: 'hello' });

      expect(graph.meRequests().map((r) => r.query.fields)).toEqual(['user_id,username']);
      expect(graph.sends()[0]!.path).toBe(`/${VERSION}/${FAKE_ACCOUNT_ID}/messages`);
      expect(await response.json()).toMatchObject({ account_id: FAKE_ACCOUNT_ID });
    } finally {
      await stop();
    }
  });
});
