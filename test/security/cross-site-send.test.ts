import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { launchChromium, type HeadlessChromium } from '../support/browser.js';
import { graphTest } from '../support/graph-service.js';
import { TEST_API_TOKEN } from '../support/service.js';
import { storedCount } from '../support/sqlite-rows.js';

const CUSTOMER = '6000000000000001';
const SEND = JSON.stringify({ recipient_id: CUSTOMER, text: 'sent from another site' });
const ALLOWED = 'https://crm.example.com';

/** A second local origin: serves one empty page, like any other website a visitor opens. */
async function otherSite(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>another site</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}

const test = graphTest({ API_ALLOWED_ORIGINS: `${ALLOWED}, http://localhost:1` });

/** Finding 2: a page on any origin could make a visitor's browser send a DM (text/plain needs no preflight). */
describe('security: cross-site sends', () => {
  test('when a write is not application/json, then it is 415 unsupported_media_type and Meta is not called', async ({ graph, service }) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await service.api('/api/messages', { method: 'POST', headers: { 'content-type': type }, body: SEND });
      expect(response.status).toBe(415);
      expect(((await response.json()) as any).error.code).toBe('unsupported_media_type');
    }
    const untyped = await fetch(`${service.url}/api/messages`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    expect(untyped.status).toBe(415);
    expect(graph.requests).toEqual([]);
    expect(storedCount(service.sqlitePath)).toBe(0);
  });

  test('when the Origin is foreign, then it is 403 forbidden_origin even with the token and a JSON body', async ({ graph, service }) => {
    const response = await service.api('/api/messages', { method: 'POST', headers: { origin: 'http://evil.example' }, body: SEND });
    expect(response.status).toBe(403);
    expect(((await response.json()) as any).error.code).toBe('forbidden_origin');
    const read = await service.api('/api/conversations', { headers: { origin: 'null' } });
    expect(read.status).toBe(403);
    expect(graph.requests).toEqual([]);
  });

  test('when the Origin is the service itself or listed in API_ALLOWED_ORIGINS, then the send goes through and the allowed origin may read it', async ({ graph, service }) => {
    const own = await service.api('/api/messages', { method: 'POST', headers: { origin: service.url }, body: SEND });
    expect(own.status).toBe(201);

    const preflight = await fetch(`${service.url}/api/messages`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const pagePreflight = await fetch(`${service.url}/api/conversations`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, if-none-match' },
    });
    expect(pagePreflight.headers.get('access-control-allow-headers')).toMatch(/If-None-Match/);
    const page = await service.api('/api/conversations', { headers: { origin: ALLOWED } });
    expect(page.headers.get('access-control-expose-headers')).toMatch(/ETag/);
    await page.body?.cancel();

    const listed = await service.api('/api/messages', { method: 'POST', headers: { origin: ALLOWED }, body: SEND });
    expect(listed.status).toBe(201);
    expect(listed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(graph.sends()).toHaveLength(2);
  });
});

const inBrowser = graphTest();

describe('security: cross-site sends from a real browser', () => {
  let browser: HeadlessChromium;
  let site: { url: string; server: Server };
  beforeAll(async () => {
    browser = await launchChromium();
    site = await otherSite();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    site?.server.close();
  });
  inBrowser('when a page on another origin tries a no-cors send and a JSON send, then the fake Graph API sees nothing and nothing is stored', async ({ graph, service }) => {
    const page = await browser.context.newPage();
    await page.goto(site.url);
    // Browser-side code as a string: this project's TypeScript has no DOM types.
    const outcomes = (await page.evaluate(`(async () => {
      const target = ${JSON.stringify(service.url)};
      const body = ${JSON.stringify(SEND)};
      const attempt = (promise) => promise.then((r) => r.type + ':' + r.status, (e) => 'blocked:' + e.name);
      return Promise.all([
        attempt(fetch(target + '/API/messages', { method: 'POST', mode: 'no-cors', body })),
        attempt(fetch(target + '/api/messages', { method: 'POST', mode: 'no-cors', body })),
        attempt(fetch(target + '/api/messages', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body })),
        attempt(fetch(target + '/api/messages', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ${TEST_API_TOKEN}' }, body })),
      ]);
    })()`)) as string[];
    await page.close();

    expect(outcomes).toHaveLength(4);
    // no-cors answers are opaque; the JSON send needs a preflight the service refuses.
    expect(outcomes.slice(0, 3)).toEqual(['opaque:0', 'opaque:0', 'opaque:0']);
    expect(outcomes[3]).toBe('blocked:TypeError');
    expect(graph.requests).toEqual([]);
    expect(storedCount(service.sqlitePath)).toBe(0);
  }, 60_000);
});
