import { afterEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/adapters/http/signature.js';
import { textMessages } from '../support/instagram-events.js';
import { metricValue } from '../support/metrics.js';
import { openSocket, type RawSocket } from '../support/raw-http.js';
import { startTestService, TEST_SECRET, type TestService } from '../support/service.js';
import { storedCount } from '../support/sqlite-rows.js';
import { waitFor } from '../support/wait.js';

const FORGED = `sha256=${'ab'.repeat(32)}`;

function webhookHead(headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: 'igbridge', 'content-type': 'application/json', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `POST /webhooks/instagram HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

const metric = (service: TestService, sample: string) => metricValue(service.url, sample);

/** Finding 3: 1,500 stalled 1 MiB bodies with no signature took RSS from 310 MiB to 1.4 GiB. */
describe('security: slow and stalled webhook bodies', () => {
  let service: TestService;
  const sockets: RawSocket[] = [];
  afterEach(async () => {
    for (const { socket } of sockets.splice(0)) socket.destroy();
    await service.stop();
  });

  async function stalled(headers: Record<string, string | number>, firstBodyBytes = 1024): Promise<RawSocket> {
    const raw = await openSocket(service.url, webhookHead(headers) + 'x'.repeat(firstBodyBytes));
    sockets.push(raw);
    return raw;
  }

  it('when a 1 MiB body comes without a signature and stalls, then 401 is answered at once and the connection closed, the body never awaited', async () => {
    service = await startTestService({ HTTP_BODY_TIMEOUT_S: '60' });
    const raw = await stalled({ 'content-length': 1024 * 1024 });

    const answer = await raw.closed(5_000);
    expect(statusOf(answer)).toBe(401);
    expect(answer).toContain('"missing_signature"');
    expect(await metric(service, 'igbridge_limit_in_use{resource="webhook_inflight_bytes"}')).toBe(0);
  });

  it('when a signature is not sha256=<64 hex>, then 401 before the body is read', async () => {
    service = await startTestService({ HTTP_BODY_TIMEOUT_S: '60' });
    const raw = await stalled({ 'content-length': 1024 * 1024, 'x-hub-signature-256': 'sha256=abc' });
    const answer = await raw.closed(5_000);
    expect(statusOf(answer)).toBe(401);
    expect(answer).toContain('sha256=<64 hex digits>');
  });

  it('when a body with a well-formed signature stalls past HTTP_BODY_TIMEOUT_S, then 408 body_timeout and the connection closes', async () => {
    service = await startTestService({ HTTP_BODY_TIMEOUT_S: '0.3' });
    const raw = await stalled({ 'content-length': 100_000, 'x-hub-signature-256': FORGED });

    const answer = await raw.closed(5_000);
    expect(statusOf(answer)).toBe(408);
    expect(answer).toContain('"body_timeout"');
    expect(await metric(service, 'igbridge_limit_refusals_total{code="body_timeout"}')).toBe(1);
    expect(await metric(service, 'igbridge_limit_in_use{resource="webhook_inflight_bytes"}')).toBe(0);
  });

  it('when a small body stalls past HTTP_BODY_TIMEOUT_S, then 408 and the connection closes too: a body that stopped is not read past', async () => {
    service = await startTestService({ HTTP_BODY_TIMEOUT_S: '0.3' });
    const raw = await stalled({ 'content-length': 1_000, 'x-hub-signature-256': FORGED }, 10);

    const answer = await raw.closed(5_000);
    expect(statusOf(answer)).toBe(408);
    expect(answer).toMatch(/Connection: close/i);
  });

  it('when stalled bodies fill WEBHOOK_MAX_INFLIGHT_BYTES, then the next webhook is 503 with Retry-After, and once they time out a signed webhook is stored', async () => {
    service = await startTestService({ HTTP_BODY_TIMEOUT_S: '1', WEBHOOK_MAX_INFLIGHT_BYTES: String(1024 * 1024) });
    await stalled({ 'content-length': 600_000, 'x-hub-signature-256': FORGED });
    await waitFor(async () => (await metric(service, 'igbridge_limit_in_use{resource="webhook_inflight_bytes"}')) === 600_000, 'the first body counted');

    const second = await stalled({ 'content-length': 600_000, 'x-hub-signature-256': FORGED });
    const answer = await second.closed(5_000);
    expect(statusOf(answer)).toBe(503);
    expect(answer).toMatch(/Retry-After: \d+/i);
    expect(answer).toContain('"overloaded"');

    await waitFor(async () => (await metric(service, 'igbridge_limit_in_use{resource="webhook_inflight_bytes"}')) === 0, 'the stalled body released');
    const body = textMessages([{ mid: 'mid.after-stall', text: 'still here' }]);
    const response = await service.webhook(body);
    expect(response.status).toBe(200);
    expect(storedCount(service.sqlitePath)).toBe(1);
  });

  it('when a small signed webhook is refused 503 while the budget is full, then its connection stays open and carries the retry, stored once the budget frees', async () => {
    service = await startTestService({ HTTP_BODY_TIMEOUT_S: '1', WEBHOOK_MAX_INFLIGHT_BYTES: String(1024 * 1024) });
    await stalled({ 'content-length': 1024 * 1024, 'x-hub-signature-256': FORGED });
    await waitFor(async () => (await metric(service, 'igbridge_limit_in_use{resource="webhook_inflight_bytes"}')) === 1024 * 1024, 'the stalled body counted');

    const body = textMessages([{ mid: 'mid.kept-connection', text: 'retried on the same connection' }]);
    const signed = (bytes: string) => webhookHead({ 'content-length': Buffer.byteLength(bytes), 'x-hub-signature-256': sign(Buffer.from(bytes), TEST_SECRET) }) + bytes;
    const sender = await openSocket(service.url, signed(body));
    sockets.push(sender);
    const refused = await sender.received('"overloaded"', 5_000);
    expect(statusOf(refused)).toBe(503);
    expect(refused).not.toMatch(/Connection: close/i);

    await waitFor(async () => (await metric(service, 'igbridge_limit_in_use{resource="webhook_inflight_bytes"}')) === 0, 'the stalled body timed out');
    sender.socket.write(signed(body));
    const retried = await sender.received('"stored":1', 5_000);
    expect(retried.slice(refused.length)).toMatch(/^HTTP\/1\.1 200 /);
    expect(sender.socket.destroyed).toBe(false);
    expect(storedCount(service.sqlitePath)).toBe(1);
  });

  it('when a flood of webhooks meets a full WEBHOOK_MAX_INFLIGHT_BYTES, then every one is 503 and counted, and the log says it once, without a stack', async () => {
    service = await startTestService({ HTTP_BODY_TIMEOUT_S: '60', WEBHOOK_MAX_INFLIGHT_BYTES: String(1024 * 1024) });
    await stalled({ 'content-length': 1024 * 1024, 'x-hub-signature-256': FORGED });
    await waitFor(async () => (await metric(service, 'igbridge_limit_in_use{resource="webhook_inflight_bytes"}')) === 1024 * 1024, 'the first body counted');

    const refused = await Promise.all(Array.from({ length: 40 }, async () => {
      const raw = await stalled({ 'content-length': 600_000, 'x-hub-signature-256': FORGED });
      return statusOf(await raw.closed(5_000));
    }));

    expect(refused).toEqual(Array(40).fill(503));
    expect(await metric(service, 'igbridge_limit_refusals_total{code="overloaded"}')).toBe(40);
    expect(service.logs.matching('refused by a limit (overloaded)')).toHaveLength(1);
    expect(service.logs.matching('request failed')).toEqual([]);
    expect(service.logs.text()).not.toContain('"stack"');
  });

  it('when a chunked body grows past WEBHOOK_MAX_INFLIGHT_BYTES, then 503 and nothing is stored', async () => {
    service = await startTestService({ WEBHOOK_MAX_INFLIGHT_BYTES: String(1024 * 1024) });
    await stalled({ 'content-length': 1024 * 1024, 'x-hub-signature-256': FORGED });
    const chunk = 'y'.repeat(64 * 1024);
    const raw = await stalled({ 'transfer-encoding': 'chunked', 'x-hub-signature-256': sign(Buffer.from('{}'), TEST_SECRET) }, 0);
    raw.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const answer = await raw.closed(5_000);
    expect(statusOf(answer)).toBe(503);
    expect(storedCount(service.sqlitePath)).toBe(0);
  });

  it('when HTTP_MAX_CONNECTIONS are open, then one more connection is dropped, and the server serves again once they close', async () => {
    service = await startTestService({ HTTP_MAX_CONNECTIONS: '3' });
    for (let i = 0; i < 3; i++) sockets.push(await openSocket(service.url));

    const extra = await openSocket(service.url, 'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    sockets.push(extra);
    const answer = await extra.closed(5_000);
    expect(answer).toBe('');

    for (const { socket } of sockets.splice(0)) socket.destroy();
    const health = await waitFor(async () => (await fetch(`${service.url}/healthz`).catch(() => null))?.status === 200, 'healthz after the connections closed');
    expect(health).toBe(true);
    expect(await metric(service, 'igbridge_limit_refusals_total{code="max_connections"}')).toBeGreaterThanOrEqual(1);
  });

  it('when the server starts, then headers, requests and idle keep-alive connections have bounded timeouts', async () => {
    service = await startTestService({ HTTP_BODY_TIMEOUT_S: '10' });
    expect(service.server.headersTimeout).toBe(10_000);
    expect(service.server.requestTimeout).toBe(20_000);
    expect(service.server.keepAliveTimeout).toBe(65_000);
    expect(service.server.maxConnections).toBe(1000);
  });
});
