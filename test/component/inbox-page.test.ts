import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureBytes } from '../support/fixtures.js';
import { startTestService, TEST_API_TOKEN, type TestService } from '../support/service.js';

describe('GET / (the inbox page) and its assets', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  it('when the page is requested, then it is HTML that must be revalidated, with a strict CSP', async () => {
    const response = await fetch(`${service.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toMatch(/<script type="module" src="\/inbox\/inbox\.js\?v=[\w-]{12}"><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/inbox\/inbox\.css\?v=[\w-]{12}">/);
  });

  it('when the page is requested again with its ETag, then the answer is 304 without a body', async () => {
    const first = await fetch(`${service.url}/`);
    await first.text();
    // fetch() itself adds `Cache-Control: no-cache` to conditional requests unless one is given.
    const again = await fetch(`${service.url}/`, { headers: { 'if-none-match': first.headers.get('etag')!, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('when an asset is requested by its content hash, then it is cached for a year with the right type', async () => {
    const html = await (await fetch(`${service.url}/`)).text();
    for (const [path, type] of [
      [/src="(\/inbox\/inbox\.js\?v=[^"]+)"/.exec(html)![1]!, 'text/javascript; charset=utf-8'],
      [/href="(\/inbox\/inbox\.css\?v=[^"]+)"/.exec(html)![1]!, 'text/css; charset=utf-8'],
      [/rel="icon" href="(\/inbox\/favicon\.svg\?v=[^"]+)"/.exec(html)![1]!, 'image/svg+xml'],
    ] as const) {
      const response = await fetch(`${service.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await response.text()).length).toBeGreaterThan(200);
    }
    const stale = await fetch(`${service.url}/inbox/inbox.js?v=old`);
    expect(stale.headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${service.url}/inbox/nothing.js`)).status).toBe(404);
  });

  it('when the entry module is read, then it imports the other modules with the same version, each served as JavaScript', async () => {
    const html = await (await fetch(`${service.url}/`)).text();
    const version = /inbox\.js\?v=([\w-]+)"/.exec(html)![1]!;
    const entry = await (await fetch(`${service.url}/inbox/inbox.js?v=${version}`)).text();
    const imports = [...entry.matchAll(/from '\.\/([\w-]+\.js)\?v=([\w-]+)'/g)];
    expect(imports.map((m) => m[1]).sort()).toEqual(['accounts.js', 'api.js', 'composer.js', 'dom.js', 'events.js', 'list.js']);
    expect(new Set(imports.map((m) => m[2]))).toEqual(new Set([version]));
    for (const [, name] of imports) {
      const response = await fetch(`${service.url}/inbox/${name}?v=${version}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
  });

  it('when a browser asks for /favicon.ico, then it gets the inbox icon, not a 404', async () => {
    const response = await fetch(`${service.url}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toContain('<svg');
  });
});

describe('GET /api/events (server-sent events)', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  /** Reads an event stream: `until` waits for text (bounded by the test timeout); `end` for its end. */
  function eventReader(body: ReadableStream<Uint8Array>) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    return {
      async until(fragment: string): Promise<string> {
        while (!text.includes(fragment)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before "${fragment}"`);
          text += value;
        }
        return text;
      },
      async end(): Promise<void> {
        while (!(await reader.read()).done);
      },
    };
  }

  it('when a webhook stores a message, then an open stream receives a change naming its customer', async () => {
    const controller = new AbortController();
    const response = await fetch(`${service.url}/api/events`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = eventReader(response.body!);
    await events.until('event: ready');

    await service.webhook(fixtureBytes('f1-text'));
    const text = await events.until('event: change');
    const data = JSON.parse(/event: change\ndata: (.*)\n/.exec(text)![1]!);
    expect(data).toEqual({ user_ids: ['6000000000000001'], stored: 1, applied: 0 });
    controller.abort();
  });

  it('when the service shuts down, then open streams end instead of holding it open', async () => {
    const response = await fetch(`${service.url}/api/events`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    const events = eventReader(response.body!);
    await events.until('event: ready');
    const closing = service.close(30_000);
    await events.end();
    await closing;
  });

  it('when asked with HEAD, then the headers come back and nothing is held open', async () => {
    const response = await fetch(`${service.url}/api/events`, { method: 'HEAD', headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  it('when the bearer is missing, then the stream is refused with 401', async () => {
    const response = await fetch(`${service.url}/api/events`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).error.code).toBe('unauthorized');
  });
});
