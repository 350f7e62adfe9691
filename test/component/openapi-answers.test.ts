import { Compile } from 'typebox/compile';
import { beforeAll, describe, expect } from 'vitest';
import { FAKE_ACCOUNT_ID, graphError } from '../support/fake-graph.js';
import { fixture, fixtureNames } from '../support/fixtures.js';
import { graphTest } from '../support/graph-service.js';
import { TEST_VERIFY_TOKEN } from '../support/service.js';

const ALICE = '6000000000000001';

/** The document's schema with every `#/components/schemas/…` reference replaced by its target. */
function inline(node: unknown, document: any): unknown {
  if (Array.isArray(node)) return node.map((inner) => inline(inner, document));
  if (!node || typeof node !== 'object') return node;
  const ref = (node as { $ref?: string }).$ref;
  if (ref) return inline(ref.replace(/^#\//, '').split('/').reduce((at: any, part) => at[part], document), document);
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inline(value, document)]));
}

/** Which `METHOD /path` answers were compared with the document, with their statuses. */
const checked = new Map<string, Set<number>>();

/** The answer's status, content type and (for JSON) body are what the document says for `METHOD template`. */
async function expectDocumented(document: any, method: string, template: string, response: Response): Promise<void> {
  const route = `${method} ${template}`;
  const answers = document.paths[template]?.[method.toLowerCase()]?.responses;
  expect(answers, `${route} is documented`).toBeDefined();
  const answer = answers[String(response.status)];
  expect(answer, `${route} answered ${response.status}, which the document does not list`).toBeDefined();
  checked.set(route, (checked.get(route) ?? new Set()).add(response.status));
  if (!answer.content) {
    await response.body?.cancel();
    return;
  }
  const type = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  expect(Object.keys(answer.content), `${route} ${response.status} content type`).toContain(type);
  if (type !== 'application/json') {
    await response.body?.cancel();
    return;
  }
  const body = await response.json();
  const validator = Compile(inline(answer.content[type].schema, document) as any);
  expect(validator.Errors(body).map((e) => `${e.instancePath} ${e.message}`), `${route} ${response.status}: ${JSON.stringify(body).slice(0, 500)}`).toEqual([]);
}

const test = graphTest({}, 'file');

describe('every answer of every route matches /openapi.json', () => {
  let document: any;
  beforeAll(() => checked.clear());

  test('when the document is fetched, then it describes its own answer', async ({ service }) => {
    const response = await fetch(`${service.url}/openapi.json`);
    document = await response.clone().json();
    await expectDocumented(document, 'GET', '/openapi.json', response);
  });

  test('when every fixture is delivered and a bad one is refused, then the webhook answers are as documented, and so are the bodies Meta sends', async ({ service }) => {
    const payload = Compile(inline({ $ref: '#/components/schemas/WebhookPayload' }, document) as any);
    for (const name of fixtureNames()) {
      expect(payload.Errors(fixture(name)), `${name} fits WebhookPayload`).toEqual([]);
      await expectDocumented(document, 'POST', '/webhooks/instagram', await service.webhook(fixture(name)));
    }
    const bad = fixture('f1-text');
    bad.entry[0].messaging[0].sender.id = '../me';
    await expectDocumented(document, 'POST', '/webhooks/instagram', await service.webhook(bad));
    await expectDocumented(document, 'POST', '/webhooks/instagram', await service.webhook(fixture('f1-text'), { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }));
    await expectDocumented(document, 'POST', '/webhooks/instagram', await service.webhook('{"object": '));
    const handshake = `${service.url}/webhooks/instagram?hub.mode=subscribe&hub.challenge=42&hub.verify_token=`;
    await expectDocumented(document, 'GET', '/webhooks/instagram', await fetch(`${handshake}${TEST_VERIFY_TOKEN}`));
    await expectDocumented(document, 'GET', '/webhooks/instagram', await fetch(`${handshake}wrong`));
  });

  test('when the read API is asked, well and badly, then its answers are as documented', async ({ service }) => {
    await expectDocumented(document, 'GET', '/api/conversations', await service.api('/api/conversations'));
    await expectDocumented(document, 'GET', '/api/conversations', await service.api('/api/conversations?limit=1'));
    await expectDocumented(document, 'GET', '/api/conversations', await service.api('/api/conversations?limit=0'));
    await expectDocumented(document, 'GET', '/api/conversations', await fetch(`${service.url}/api/conversations`));
    await expectDocumented(document, 'GET', '/api/conversations', await service.api(`/api/conversations?account_id=${FAKE_ACCOUNT_ID}`));
    await expectDocumented(document, 'GET', '/api/conversations', await service.api('/api/conversations?account_id=me'));
    const listed = await service.api('/api/conversations');
    await expectDocumented(document, 'GET', '/api/conversations', await service.api('/api/conversations', { headers: { 'if-none-match': listed.headers.get('etag')! } }));
    await listed.body?.cancel();
    await expectDocumented(document, 'GET', '/api/accounts', await service.api('/api/accounts'));
    await expectDocumented(document, 'GET', '/api/accounts', await fetch(`${service.url}/api/accounts`));
    const thread = '/api/conversations/{userId}/messages';
    for (const user of [ALICE, '6000000000000002', '7000000000000009']) {
      await expectDocumented(document, 'GET', thread, await service.api(`/api/conversations/${user}/messages?limit=200`));
    }
    await expectDocumented(document, 'GET', thread, await service.api(`/api/conversations/${ALICE}/messages?limit=1&account_id=${FAKE_ACCOUNT_ID}`));
    await expectDocumented(document, 'GET', thread, await service.api('/api/conversations/me/messages'));
    await expectDocumented(document, 'GET', thread, await fetch(`${service.url}/api/conversations/${ALICE}/messages`));
  });

  test('when replies are sent, refused by igbridge or by Meta, then the answers are as documented', async ({ graph, service }) => {
    const send = (body: unknown, headers: Record<string, string> = {}) => service.api('/api/messages', { method: 'POST', body: JSON.stringify(body), headers });
    await expectDocumented(document, 'POST', '/api/messages', await send({ recipient_id: ALICE, text: 'Yes, we ship to Berlin.' }));
    await expectDocumented(document, 'POST', '/api/messages', await send({ recipient_id: ALICE, account_id: FAKE_ACCOUNT_ID, attachment: { type: 'image', url: 'https://x.example/a.png' } }));
    await expectDocumented(document, 'POST', '/api/messages', await send({ recipient_id: ALICE, account_id: '999', text: 'from an account igbridge does not have' }));
    await expectDocumented(document, 'POST', '/api/messages', await send({ recipient_id: ALICE, text: 'hi', priority: 'high' }));
    await expectDocumented(document, 'POST', '/api/messages', await send({ recipient_id: ALICE, text: 'hi' }, { 'content-type': 'text/plain' }));
    await expectDocumented(document, 'POST', '/api/messages', await fetch(`${service.url}/api/messages`, { method: 'POST', body: '{}' }));
    graph.nextSend(graphError(10, { subcode: 2534022 }));
    await expectDocumented(document, 'POST', '/api/messages', await send({ recipient_id: ALICE, text: 'late' }));
    // The sent messages are in the thread now, with their CRM state.
    await expectDocumented(document, 'GET', '/api/conversations/{userId}/messages', await service.api(`/api/conversations/${ALICE}/messages`));
  });

  test('when the operations routes, the event stream and the inbox are fetched, then their answers are as documented', async ({ service }) => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/', '/favicon.ico']) {
      await expectDocumented(document, 'GET', path, await fetch(`${service.url}${path}`));
    }
    await expectDocumented(document, 'GET', '/inbox/{file}', await fetch(`${service.url}/inbox/inbox.js`));
    await expectDocumented(document, 'GET', '/inbox/{file}', await fetch(`${service.url}/inbox/inbox.css`));
    await expectDocumented(document, 'GET', '/inbox/{file}', await fetch(`${service.url}/inbox/nothing.js`));
    const stream = new AbortController();
    await expectDocumented(document, 'GET', '/api/events', await service.api('/api/events', { signal: stream.signal }));
    stream.abort();
    await expectDocumented(document, 'GET', '/api/events', await fetch(`${service.url}/api/events`));
  });

  test('when all of the above ran, then every documented route was checked, each with a success answer', () => {
    const routes = Object.entries<any>(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes.filter((route) => ![...(checked.get(route) ?? [])].some((status) => status < 300)), 'routes without a checked success answer').toEqual([]);
  });
});

