import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { errorMiddleware } from '../../src/adapters/http/error-middleware.js';
import { REFUSAL_LOG_INTERVAL_MS } from '../../src/adapters/http/refusal-log.js';
import { HttpError } from '../../src/adapters/http/http-error.js';
import { createLogger } from '../../src/logger.js';
import { LogCapture } from '../support/log-capture.js';

/** The error middleware alone on a real HTTP server: one route refuses by a limit, one fails. */
async function serve(now: () => number) {
  const logs = new LogCapture();
  const counted: string[] = [];
  const app = new Koa();
  app.use(errorMiddleware(createLogger('info', logs), { limitRefusal: (code) => counted.push(code) }, now));
  app.use((ctx) => {
    if (ctx.path === '/full') throw new HttpError(503, 'overloaded', 'too many request bodies are being received at once; retry shortly', undefined, { 'Retry-After': '1' });
    throw new Error('a bug');
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { logs, counted, url, server };
}

describe('the log of limit refusals', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('when one limit refuses many requests, then each is answered and counted, and the log says so once a minute with how many, never with a stack', async () => {
    let now = 1_800_000_000_000;
    const service = await serve(() => now);
    server = service.server;

    const statuses = [];
    for (let i = 0; i < 25; i++) statuses.push((await fetch(`${service.url}/full`)).status);
    now += REFUSAL_LOG_INTERVAL_MS - 1;
    statuses.push((await fetch(`${service.url}/full`)).status);
    now += 1;
    statuses.push((await fetch(`${service.url}/full`)).status);

    expect(statuses).toEqual(Array(27).fill(503));
    expect(service.counted).toEqual(Array(27).fill('overloaded'));
    const lines = service.logs.matching('refused by a limit');
    expect(lines.map((line) => [line.level, line.code, line.refusals])).toEqual([[40, 'overloaded', 1], [40, 'overloaded', 26]]);
    expect(service.logs.text()).not.toContain('stack');
    expect(service.logs.matching('request failed')).toEqual([]);
  });

  it('when a request fails unexpectedly, then it is a 500 and logged as an error with its stack, every time', async () => {
    const service = await serve(() => Date.now());
    server = service.server;

    const answers = [await fetch(`${service.url}/bug`), await fetch(`${service.url}/bug`)];

    expect(answers.map((answer) => answer.status)).toEqual([500, 500]);
    const failed = service.logs.matching('request failed');
    expect(failed).toHaveLength(2);
    expect(failed.every((line) => line.level === 50 && String((line.err as { stack: string }).stack).includes('a bug'))).toBe(true);
  });
});
