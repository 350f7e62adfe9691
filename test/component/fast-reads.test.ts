import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, TEST_API_TOKEN, type TestService } from '../support/service.js';

const ACCOUNT = '17841400000000001';

function textMessage(customer: string, mid: string, time: number) {
  return { object: 'instagram', entry: [{ id: ACCOUNT, time, messaging: [{ sender: { id: customer }, recipient: { id: ACCOUNT }, timestamp: time, message: { mid, text: `text of ${mid}` } }] }] };
}

/** A response's status, the headers a page answer carries, and its bytes. */
async function seen(response: Response) {
  const headers = ['content-type', 'content-length', 'cache-control', 'etag', 'connection'].map((name) => [name, response.headers.get(name)]);
  return { status: response.status, headers: Object.fromEntries(headers), body: Buffer.from(await response.arrayBuffer()).toString('utf8') };
}

/**
 * The two polled pages are answered in front of Koa (fastReads) when asked plainly; a request
 * with an `Origin` (here the service's own, which the gate lets through) is answered by the Koa
 * route. Both must give the same answer: the same status, headers and bytes.
 */
describe('read pages answered in front of Koa', () => {
  let service: TestService;
  const plain = (path: string, headers: Record<string, string> = {}) => fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}`, ...headers } });
  const throughKoa = (path: string, headers: Record<string, string> = {}) => plain(path, { origin: service.url, ...headers });

  beforeAll(async () => {
    service = await startTestService();
    for (const [i, customer] of ['1001', '1002', '1003'].entries()) {
      expect((await service.webhook(textMessage(customer, `m.${customer}`, 1_700_000_000_000 + i * 1000))).status).toBe(200);
    }
  });
  afterAll(() => service.stop());

  it('when a list, a paged list, a thread and a thread of one account are asked plainly and through Koa, then the answers are the same, byte for byte', async () => {
    for (const path of ['/api/conversations', '/api/conversations?limit=2', `/api/conversations?limit=1&before=1700000002000_3&account_id=${ACCOUNT}`, '/api/conversations/1002/messages', `/api/conversations/1002/messages?limit=5&account_id=${ACCOUNT}`, '/api/conversations/1009/messages']) {
      const fast = await seen(await plain(path));
      const koa = await seen(await throughKoa(path));
      expect(fast.status, path).toBe(200);
      expect(fast, path).toEqual(koa);
      expect(fast.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(fast.headers.etag).toMatch(/^".+"$/);
    }
  });

  it('when a page is asked again with its ETag, then both answer 304 with the same headers and no body', async () => {
    const tag = (await plain('/api/conversations/1001/messages')).headers.get('etag')!;
    const fast = await seen(await plain('/api/conversations/1001/messages', { 'if-none-match': tag }));
    const koa = await seen(await throughKoa('/api/conversations/1001/messages', { 'if-none-match': tag }));
    expect(fast).toEqual({ status: 304, headers: { 'content-type': null, 'content-length': null, 'cache-control': 'private, no-cache', etag: tag, connection: 'keep-alive' }, body: '' });
    expect(koa).toEqual(fast);
  });

  it('when the token is wrong or missing, a parameter is bad, or the id is not an IGSID, then the answer is the Koa app\'s JSON error', async () => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['/api/conversations', { authorization: 'Bearer wrong' }, 401, 'unauthorized'],
      ['/api/conversations', { authorization: '' }, 401, 'unauthorized'],
      ['/api/conversations?limit=0', {}, 400, 'invalid_query'],
      ['/api/conversations?limit=1&limit=2', {}, 400, 'invalid_query'],
      ['/api/conversations/not-an-id/messages', {}, 400, 'invalid_user_id'],
      ['/api/conversations/1001/messages?before=yesterday', {}, 400, 'invalid_query'],
    ];
    for (const [path, headers, status, code] of cases) {
      const response = await plain(path, headers);
      expect([path, response.status]).toEqual([path, status]);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it('when a plain page is answered, then it is timed once under its route pattern in /metrics', async () => {
    const count = async () => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('igbridge_http_request_duration_seconds_count') && l.includes('route="/api/conversations/:userId/messages"') && l.includes('method="GET"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await count();
    expect((await plain('/api/conversations/1003/messages')).status).toBe(200);
    expect((await plain('/api/conversations/1003/messages')).status).toBe(200);
    expect(await count()).toBe(before + 2);
  });
});
