import { afterEach, describe, expect, it } from 'vitest';
import { MAX_UNREAD_BYTES } from '../../src/adapters/http/events-routes.js';
import { FAKE_ACCOUNT_ID } from '../support/fake-graph.js';
import { metricValue } from '../support/metrics.js';
import { openSocket, type RawSocket } from '../support/raw-http.js';
import { startTestService, TEST_API_TOKEN, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const STREAM_REQUEST = `GET /api/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TEST_API_TOKEN}\r\n\r\n`;

const metric = (service: TestService, sample: string) => metricValue(service.url, sample);

/** One delivery storing a message from each of `count` customers with the longest ids (32 digits). */
function manyCustomers(round: number, count: number): object {
  const messaging = Array.from({ length: count }, (_, i) => ({
    sender: { id: `${round}`.padStart(4, '0') + String(i).padStart(28, '0') },
    recipient: { id: FAKE_ACCOUNT_ID },
    timestamp: 1_700_000_000_000 + i,
    message: { mid: `mid.burst.${round}.${i}`, text: 'x' },
  }));
  return { object: 'instagram', entry: [{ id: FAKE_ACCOUNT_ID, time: 1_700_000_000_000, messaging }] };
}

/** Finding 4: 3,000 connections to the event stream during a webhook burst cut webhook throughput by 90 %. */
describe('security: event streams', () => {
  let service: TestService;
  const sockets: RawSocket[] = [];
  afterEach(async () => {
    for (const { socket } of sockets.splice(0)) socket.destroy();
    await service.stop();
  });

  async function stream(): Promise<RawSocket> {
    const raw = await openSocket(service.url, STREAM_REQUEST);
    sockets.push(raw);
    return raw;
  }

  it('when EVENTS_MAX_CLIENTS streams are open, then one more is 503 too_many_streams with Retry-After, and a freed place can be taken again', async () => {
    service = await startTestService({ EVENTS_MAX_CLIENTS: '2' });
    const first = await stream();
    await first.received('event: ready');
    await (await stream()).received('event: ready');
    expect(await metric(service, 'igbridge_limit_in_use{resource="event_streams"}')).toBe(2);

    const refused = await fetch(`${service.url}/api/events`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as any).error.code).toBe('too_many_streams');

    first.socket.destroy();
    await waitFor(async () => (await metric(service, 'igbridge_limit_in_use{resource="event_streams"}')) === 1, 'the closed stream released');
    await (await stream()).received('event: ready');
  });

  it('when a burst of webhooks is stored, then an open stream is told of every customer', async () => {
    service = await startTestService();
    const open = await stream();
    await open.received('event: ready');

    const customers = Array.from({ length: 20 }, (_, i) => `70000000000000${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(
      customers.map((customer, i) =>
        service.webhook({ object: 'instagram', entry: [{ id: FAKE_ACCOUNT_ID, time: 1, messaging: [{ sender: { id: customer }, recipient: { id: FAKE_ACCOUNT_ID }, timestamp: 1_700_000_000_000 + i, message: { mid: `mid.coalesce.${i}`, text: 'hi' } }] }] }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(customers.map(() => 200));

    const seen = new Set<string>();
    let stored = 0;
    await waitFor(async () => {
      const text = await open.received('event: change');
      seen.clear();
      stored = 0;
      for (const [, data] of text.matchAll(/event: change\ndata: (.*)\n/g)) {
        const change = JSON.parse(data!) as { user_ids: string[]; stored: number };
        change.user_ids.forEach((id) => seen.add(id));
        stored += change.stored;
      }
      return stored === customers.length;
    }, 'every stored message announced');
    expect([...seen].sort()).toEqual(customers);
  });

  it('when a client stops reading, then its stream is dropped once MAX_UNREAD_BYTES wait for it, and webhooks keep being stored', async () => {
    service = await startTestService();
    // The client's socket stops taking bytes: what the kernel would do once its buffers are full.
    service.server.prependListener('request', (req) => {
      if (req.url === '/api/events') req.socket.cork();
    });
    const stalled = await stream();
    await waitFor(async () => (await metric(service, 'igbridge_limit_in_use{resource="event_streams"}')) === 1, 'the stream open');

    let round = 0;
    await waitFor(async () => {
      const response = await service.webhook(manyCustomers(round++, 400));
      expect(response.status).toBe(200);
      return (await metric(service, 'igbridge_limit_refusals_total{code="slow_stream_reader"}')) === 1;
    }, 'the stalled stream dropped', 60_000);

    await stalled.closed(5_000);
    expect(round * 400 * 35).toBeGreaterThan(MAX_UNREAD_BYTES);
    expect(await metric(service, 'igbridge_limit_in_use{resource="event_streams"}')).toBe(0);
  });
});
