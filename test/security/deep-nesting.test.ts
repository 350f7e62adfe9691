import { describe, expect } from 'vitest';
import { graphTest } from '../support/graph-service.js';
import { storedCount } from '../support/sqlite-rows.js';

const DEPTH = 500_000;
const deepArray = (depth = DEPTH) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const test = graphTest({}, 'file');

/** Finding 7: arrays 500k deep in `changes[0].field` → 500 from a stack overflow (Meta retries that for 36 h). */
describe('security: deeply nested JSON', () => {
  test('when changes[0].field nests 500,000 arrays deep, then 400 invalid_payload naming the path, and nothing is stored', async ({ service }) => {
    const body = `{"object":"instagram","entry":[{"id":"17841400000000001","time":1700000000000,"changes":[{"field":${deepArray()},"value":{}}]}]}`;
    const response = await service.webhook(body);

    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; path: string; message: string } };
    expect(error.code).toBe('invalid_payload');
    expect(error.path).toMatch(/^entry\[0\]\.changes\[0\]\.field(\[0\])+$/);
    expect(error.message).toContain('nests deeper than 64 levels');
    expect(storedCount(service.sqlitePath)).toBe(0);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  test('when a send request nests 30,000 arrays deep (under its 64 KiB limit), then 400 and Meta is not called', async ({ graph, service }) => {
    const response = await service.api('/api/messages', { method: 'POST', body: `{"recipient_id":"6000000000000001","text":${deepArray(30_000)}}` });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_payload');
    expect(graph.requests).toEqual([]);
  });
});
