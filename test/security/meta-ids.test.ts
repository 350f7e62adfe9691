import { describe, expect } from 'vitest';
import { fixture } from '../support/fixtures.js';
import { graphTest } from '../support/graph-service.js';
import { rawRequest } from '../support/raw-http.js';
import { TEST_API_TOKEN } from '../support/service.js';
import { storedCount } from '../support/sqlite-rows.js';

function withSender(senderId: unknown, mid: string) {
  const body = fixture('f1-text');
  body.entry[0].messaging[0].sender.id = senderId;
  body.entry[0].messaging[0].message.mid = mid;
  return body;
}

const test = graphTest({}, 'file');

/** Finding 6: a signed message from sender `..` made the profile look-up call `GET /?fields=…` on the Graph host with the token. */
describe('security: Meta ids', () => {
  test('when a sender, recipient or entry id is not 1–32 ASCII digits, then 400 invalid_payload naming the path, nothing stored, Graph never called', async ({ graph, service }) => {
    const cases: Array<[unknown, string]> = [['..', 'sender'], ['.', 'sender'], ['me', 'sender'], ['1/../2', 'sender'], ['１２３', 'sender'], ['1'.repeat(33), 'sender'], [-5, 'sender']];
    for (const [senderId] of cases) {
      const response = await service.webhook(withSender(senderId, `mid.bad.${String(senderId)}`));
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; path: string; message: string } };
      expect(error).toMatchObject({ code: 'invalid_payload', path: 'entry[0].messaging[0].sender.id' });
      expect(error.message).toContain('1 to 32 ASCII digits');
    }
    const badRecipient = fixture('f1-text');
    badRecipient.entry[0].messaging[0].recipient.id = '../me';
    expect(((await (await service.webhook(badRecipient)).json()) as any).error.path).toBe('entry[0].messaging[0].recipient.id');
    const badEntry = fixture('f1-text');
    badEntry.entry[0].id = 'x';
    expect(((await (await service.webhook(badEntry)).json()) as any).error.path).toBe('entry[0].id');

    expect(storedCount(service.sqlitePath)).toBe(0);
    expect(graph.requests).toEqual([]);
  });

  test('when a 32-digit sender id arrives, then it is stored and looked up under its own path', async ({ graph, service }) => {
    const id = '9'.repeat(32);
    graph.setProfile(id, { username: 'longest' });
    const response = await service.webhook(withSender(id, 'mid.long-id'));
    expect(response.status).toBe(200);
    const [lookup] = await graph.waitFor((r) => r.method === 'GET' && r.endpoint === id);
    expect(lookup!.path).toBe(`/v24.0/${id}`);
  });

  test('when the API path holds a user id that is not an IGSID, then 400 invalid_user_id', async ({ service }) => {
    for (const userId of ['%2E%2E', '..', 'abc', '1.2', '1'.repeat(33)]) {
      // Sent as written: fetch would resolve `..` and `%2E%2E` before sending.
      const answer = await rawRequest(service.url, { path: `/api/conversations/${userId}/messages`, headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
      expect(`${userId} → ${answer.status}`).toBe(`${userId} → 400`);
      expect(JSON.parse(answer.body).error.code).toBe('invalid_user_id');
    }
  });

  test('when a send names a recipient that is not an IGSID, then 400 naming recipient_id and Meta is not called', async ({ graph, service }) => {
    const before = graph.requests.length;
    for (const recipient of ['..', 'me', '1/messages']) {
      const response = await service.api('/api/messages', { method: 'POST', body: JSON.stringify({ recipient_id: recipient, text: 'hi' }) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.field).toBe('recipient_id');
    }
    expect(graph.requests.length).toBe(before);
  });
});
