import { describe, expect } from 'vitest';
import { sign } from '../../src/adapters/http/signature.js';
import { graphTest } from '../support/graph-service.js';
import { textMessages } from '../support/instagram-events.js';
import { rawRequest } from '../support/raw-http.js';
import { TEST_API_TOKEN, TEST_SECRET } from '../support/service.js';
import { storedCount } from '../support/sqlite-rows.js';

const CUSTOMER = '6000000000000001';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Finding 1: `/API/conversations` answered 200 without a token (@koa/router matched case-insensitively). */
function variants(path: string): string[] {
  const [, first = '', rest = ''] = /^\/([^/]*)(.*)$/.exec(path)!;
  const capitalised = first.charAt(0).toUpperCase() + first.slice(1);
  const encodedFirst = first ? `%${first.charCodeAt(0).toString(16)}${first.slice(1)}` : '%2e';
  const all = [
    path.toUpperCase(),
    `/${first.toUpperCase()}${rest}`,
    `/${capitalised}${rest}`,
    `/${path}`,
    `/${first}/${rest}`,
    `${path}/`,
    `/${encodedFirst}${rest}`,
    `/${encodedFirst.toLowerCase().replace('%', '%25')}${rest}`,
    `/${first}/.${rest}`,
    `/x/..${path}`,
    `/${first}%2F${rest.slice(1)}`,
    `/${first};x${rest}`,
    `/${first}\\${rest.slice(1)}`,
  ];
  return [...new Set(all)].filter((variant) => variant !== path);
}

function documentedRoutes(document: any): Array<{ method: string; path: string }> {
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method: method.toUpperCase(), path: path.replace('{userId}', CUSTOMER) })),
  );
}

function bodyFor(method: string, path: string): { body?: string; headers: Record<string, string> } {
  if (method !== 'POST') return { headers: {} };
  if (path.toLowerCase().includes('webhooks')) {
    const body = textMessages([{ mid: 'mid.variant', text: 'should never be stored' }]);
    return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(Buffer.from(body), TEST_SECRET) } };
  }
  return { body: JSON.stringify({ recipient_id: CUSTOMER, text: 'should never be sent' }), headers: { 'content-type': 'application/json' } };
}

const test = graphTest();

describe('security: every documented route, spelt differently', () => {
  test('when a route is requested in another case, with extra or encoded slashes, dot segments or percent-encoding, then it is 401 or 404 without a token, 404 with one, and nothing is sent or stored', async ({ graph, service }) => {
    const document = await (await fetch(`${service.url}/openapi.json`)).json();
    const routes = documentedRoutes(document);
    expect(routes.length).toBeGreaterThan(8);
    const unexpected: string[] = [];
    let tried = 0;
    for (const { method, path } of routes) {
      for (const variant of variants(path)) {
        const { body, headers } = bodyFor(method, variant);
        const anonymous = await rawRequest(service.url, { method, path: variant, headers, body });
        if (![401, 404].includes(anonymous.status)) unexpected.push(`${method} ${variant} without a token → ${anonymous.status}`);
        const withToken = await rawRequest(service.url, { method, path: variant, headers: { ...headers, authorization: `Bearer ${TEST_API_TOKEN}` }, body });
        if (withToken.status !== 404) unexpected.push(`${method} ${variant} with the token → ${withToken.status}`);
        tried++;
      }
    }

    expect(unexpected).toEqual([]);
    expect(tried).toBeGreaterThan(100);
    expect(graph.requests).toEqual([]);
    expect(storedCount(service.sqlitePath)).toBe(0);
  });

  test('when an /api route is requested exactly as documented without a token, then it is 401', async ({ graph, service }) => {
    const document = await (await fetch(`${service.url}/openapi.json`)).json();
    const apiRoutes = documentedRoutes(document).filter(({ path }) => path.startsWith('/api/'));
    expect(apiRoutes.length).toBeGreaterThanOrEqual(4);
    for (const { method, path } of apiRoutes) {
      const { body, headers } = bodyFor(method, path);
      const answer = await rawRequest(service.url, { method, path, headers, body });
      expect(`${method} ${path} → ${answer.status}`).toBe(`${method} ${path} → 401`);
    }
    expect(graph.requests).toEqual([]);
  });

  test('when the uppercase path is requested with the token, then it is a plain 404 and the exact path answers', async ({ service }) => {
    const upper = await rawRequest(service.url, { path: '/API/conversations', headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    expect(upper.status).toBe(404);
    expect(JSON.parse(upper.body).error.code).toBe('not_found');

    const exact = await rawRequest(service.url, { path: '/api/conversations', headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    expect(exact.status).toBe(200);
  });
});
