import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/adapters/http/signature.js';
import { fixture, fixtureBytes } from '../support/fixtures.js';
import { startTestService, type TestService } from '../support/service.js';
import { storedCount } from '../support/sqlite-rows.js';

function textMessage(overrides: { text?: unknown; senderId?: unknown } = {}) {
  const body = fixture('f1-text');
  body.entry[0].messaging[0].message.text = overrides.text ?? 'hi';
  if ('senderId' in overrides) body.entry[0].messaging[0].sender.id = overrides.senderId;
  return body;
}

describe('webhook POST with bad input', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service.stop();
  });

  async function expectRejected(response: Response, status: number, code: string, messagePart?: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    if (messagePart) expect(body.error.message).toContain(messagePart);
    expect(storedCount(service.sqlitePath)).toBe(0);
  }

  it('when the signature header is missing, then 401 and nothing is stored', async () => {
    const response = await service.webhook(fixtureBytes('f1-text'), { 'x-hub-signature-256': '' });
    await expectRejected(response, 401, 'missing_signature');
  });

  it('when the body is signed with another secret, then 401 and nothing is stored', async () => {
    const bytes = fixtureBytes('f1-text');
    const response = await service.webhook(bytes, { 'x-hub-signature-256': sign(bytes, 'not_the_secret') });
    await expectRejected(response, 401, 'invalid_signature');
  });

  it('when one byte of a signed body is changed, then 401 and nothing is stored', async () => {
    const bytes = Buffer.from(fixtureBytes('f1-text'));
    const signature = sign(bytes, 'test_app_secret');
    bytes[bytes.indexOf('Hello')] = 'J'.charCodeAt(0);
    const response = await service.webhook(bytes, { 'x-hub-signature-256': signature });
    await expectRejected(response, 401, 'invalid_signature');
  });

  it('when the signature is not sha256=<hex>, then 401', async () => {
    const response = await service.webhook(fixtureBytes('f1-text'), { 'x-hub-signature-256': 'sha1=abc' });
    await expectRejected(response, 401, 'invalid_signature');
  });

  it('when the JSON is malformed, then 400 malformed_json and nothing is stored', async () => {
    const response = await service.webhook('{"object":"instagram","entry":[');
    await expectRejected(response, 400, 'malformed_json');
  });

  it('when the body is 2 MiB, then 413 and nothing is stored', async () => {
    const body = JSON.stringify({ object: 'instagram', entry: [], padding: 'x'.repeat(2 * 1024 * 1024) });
    const response = await service.webhook(body);
    await expectRejected(response, 413, 'payload_too_large');
  });

  it('when entry is not an array, then 400 naming entry and nothing is stored', async () => {
    const response = await service.webhook({ object: 'instagram', entry: { id: '1' } });
    await expectRejected(response, 400, 'invalid_payload', 'entry must be an array');
  });

  it('when sender.id is not a string, then 400 naming the path and nothing is stored', async () => {
    const response = await service.webhook(textMessage({ senderId: { nested: true } }));
    await expectRejected(response, 400, 'invalid_payload', 'entry[0].messaging[0].sender.id');
  });

  it('when a text is 100 KB, then 400 naming the text and nothing is stored', async () => {
    const response = await service.webhook(textMessage({ text: 'a'.repeat(100 * 1024) }));
    await expectRejected(response, 400, 'invalid_payload', 'entry[0].messaging[0].message.text');
  });

  it('when one item of a batch is invalid, then none of the batch is stored', async () => {
    const body = fixture('f3-batch');
    body.entry[1].messaging[0].timestamp = 'yesterday';
    const response = await service.webhook(body);
    await expectRejected(response, 400, 'invalid_payload', 'entry[1].messaging[0].timestamp');
  });

  it('when the object is not instagram, then 200, logged, and nothing is stored', async () => {
    const body = fixture('f1-text');
    body.object = 'page';
    const response = await service.webhook(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', stored: 0, ignored: 1 });
    expect(storedCount(service.sqlitePath)).toBe(0);
    expect(service.logs.matching('webhook event not stored').some((l) => String(l.event).includes('"page"'))).toBe(true);
  });

  it('when an event kind is unknown, then 200, logged, and nothing is stored', async () => {
    const body = fixture('f1-text');
    delete body.entry[0].messaging[0].message;
    body.entry[0].messaging[0].game_played = { score: 3 };
    const response = await service.webhook(body);
    expect(response.status).toBe(200);
    expect(storedCount(service.sqlitePath)).toBe(0);
    expect(service.logs.matching('webhook event not stored').some((l) => String(l.event).includes('game_played'))).toBe(true);
  });

  it('when the webhook is refused, then the secret never appears in the log', async () => {
    expect(service.logs.text()).not.toContain('test_app_secret');
  });
});

describe('webhook refusals anybody can send, in the log', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service.stop();
  });

  it('when fifty webhooks come with a forged signature and fifty handshakes with a wrong token, then each is refused, and the log says each kind once', async () => {
    const bytes = fixtureBytes('f1-text');
    const forged = await Promise.all(Array.from({ length: 50 }, () => service.webhook(bytes, { 'x-hub-signature-256': sign(bytes, 'not_the_secret') })));
    const handshakes = await Promise.all(Array.from({ length: 50 }, () => fetch(`${service.url}/webhooks/instagram?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`)));

    expect(forged.map((response) => response.status)).toEqual(Array(50).fill(401));
    expect(handshakes.map((response) => response.status)).toEqual(Array(50).fill(403));
    expect(service.logs.matching('signature does not match').map((line) => [line.level, line.refusals])).toEqual([[40, 1]]);
    expect(service.logs.matching('webhook verification refused').map((line) => [line.level, line.refusals])).toEqual([[40, 1]]);
    expect(storedCount(service.sqlitePath)).toBe(0);
  });
});
