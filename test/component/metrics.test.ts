import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/application/ports/metrics.js';
import { TOKENS } from '../../src/tokens.js';
import { graphError } from '../support/fake-graph.js';
import { startWithGraph } from '../support/graph-service.js';
import { fixtureBytes } from '../support/fixtures.js';
import { createCrmDatabase } from '../support/mysql.js';
import { startTestService, type TestService } from '../support/service.js';
import { sqliteRows } from '../support/sqlite-rows.js';
import { waitFor } from '../support/wait.js';

/** The value of one sample line, e.g. `igbridge_messages_stored_total{direction="in"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(service: TestService): Promise<string> {
  const response = await fetch(`${service.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

describe('GET /metrics', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  it('when known webhook traffic has arrived, then the counters read exactly that', async () => {
    // Arrange / Act: 3 inbound messages, 1 echo, 1 redelivery, 1 reaction, 1 bad signature, 1 bad JSON
    expect((await service.webhook(fixtureBytes('f3-batch'))).status).toBe(200);
    expect((await service.webhook(fixtureBytes('f4-echo'))).status).toBe(200);
    expect((await service.webhook(fixtureBytes('f3-batch'))).status).toBe(200);
    expect((await service.webhook(fixtureBytes('f1-text'))).status).toBe(200);
    expect((await service.webhook(fixtureBytes('f11-reaction-react'))).status).toBe(200);
    expect((await service.webhook(fixtureBytes('f1-text'), { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await service.webhook('{not json')).status).toBe(400);

    // Assert
    const text = await scrape(service);
    expect(sample(text, 'igbridge_webhook_requests_total{status="200"}')).toBe(5);
    expect(sample(text, 'igbridge_webhook_requests_total{status="401"}')).toBe(1);
    expect(sample(text, 'igbridge_webhook_requests_total{status="400"}')).toBe(1);
    expect(sample(text, 'igbridge_messages_stored_total{direction="in"}')).toBe(4);
    expect(sample(text, 'igbridge_messages_stored_total{direction="out"}')).toBe(1);
  });

  it('when webhooks, API pages, an unknown path and an event stream are answered, then each answer is timed once under its route pattern (never its raw path), and the stream is not', async () => {
    // Arrange / Act: 2 webhooks, 3 list pages, 2 thread pages of two customers, 1 unknown path, 1 event stream opened and closed
    expect((await service.webhook(fixtureBytes('f1-text'))).status).toBe(200);
    expect((await service.webhook(fixtureBytes('f4-echo'))).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await service.api('/api/conversations?limit=5')).status).toBe(200);
    expect((await service.api('/api/conversations/1234567890123456/messages')).status).toBe(200);
    expect((await service.api('/api/conversations/6543210987654321/messages?limit=3')).status).toBe(200);
    expect((await fetch(`${service.url}/no/such/path`)).status).toBe(404);
    const controller = new AbortController();
    const stream = await service.api('/api/events', { signal: controller.signal });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    controller.abort();
    await waitFor(async () => sample(await scrape(service), 'igbridge_limit_in_use{resource="event_streams"}') === 0);

    // Assert
    const text = await scrape(service);
    const count = (method: string, route: string) => sample(text, `igbridge_http_request_duration_seconds_count{method="${method}",route="${route}"}`);
    expect(count('POST', '/webhooks/instagram')).toBe(2);
    expect(count('GET', '/api/conversations')).toBe(3);
    expect(count('GET', '/api/conversations/:userId/messages')).toBe(2);
    expect(count('GET', 'unmatched')).toBe(1);
    expect(text).not.toContain('route="/api/events"');
    expect(text).not.toContain('1234567890123456');
    // Every answer lands in a bucket: the +Inf bucket holds the count, and a time was summed.
    expect(sample(text, 'igbridge_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/conversations"}')).toBe(3);
    expect(sample(text, 'igbridge_http_request_duration_seconds_sum{method="GET",route="/api/conversations"}')).toBeGreaterThan(0);
  });

  it('when the mirror is off, then the not-mirrored gauge counts the messages waiting for a backfill, and nothing is pending', async () => {
    await service.webhook(fixtureBytes('f3-batch'));
    await service.webhook(fixtureBytes('f4-echo'));
    const text = await scrape(service);
    expect(sample(text, 'igbridge_crm_not_mirrored')).toBe(4);
    expect(sample(text, 'igbridge_crm_pending')).toBe(0);
    expect(sample(text, 'igbridge_crm_backlog')).toBe(0);
    expect(sample(text, 'igbridge_crm_failed')).toBe(0);
  });

  it('when changes for an unknown message wait and then expire, then both are counted and one row waited', async () => {
    let now = 1_800_000_000_000;
    const clocked = await startTestService({}, { clock: { now: () => now } });
    try {
      expect((await clocked.webhook(fixtureBytes('f11-reaction-react'))).status).toBe(200);
      expect((await clocked.webhook(fixtureBytes('f11-reaction-react'))).status).toBe(200);
      expect(sqliteRows(clocked.sqlitePath, 'SELECT count(*) AS n FROM deferred_changes')).toEqual([{ n: 1 }]);
      now += 49 * 3_600_000;
      expect((await clocked.webhook(fixtureBytes('f1-text'))).status).toBe(200);
      const text = await scrape(clocked);
      expect(sample(text, 'igbridge_deferred_changes_total{outcome="deferred"}')).toBe(2);
      expect(sample(text, 'igbridge_deferred_changes_total{outcome="expired"}')).toBe(1);
      expect(sqliteRows(clocked.sqlitePath, 'SELECT count(*) AS n FROM deferred_changes')).toEqual([{ n: 0 }]);
    } finally {
      await clocked.stop();
    }
  });

  it('when adapters report CRM writes, pool use and Graph calls through the port, then each is exposed', async () => {
    const metrics = service.container.resolve<Metrics>(TOKENS.Metrics);
    metrics.crmWrite('ok', 0.02, 3);
    metrics.crmWrite('ok', 0.2, 1);
    metrics.crmWrite('timeout', 61, 2);
    metrics.crmPool(2, 4);
    metrics.graphCall('send', 'ok', 0.3);
    metrics.graphCall('send', 'error', 0.1);
    metrics.graphCall('profile', 'timeout', 10);

    const text = await scrape(service);
    expect(sample(text, 'igbridge_crm_writes_total{outcome="ok"}')).toBe(2);
    expect(sample(text, 'igbridge_crm_writes_total{outcome="timeout"}')).toBe(1);
    expect(sample(text, 'igbridge_crm_rows_total{outcome="ok"}')).toBe(4);
    expect(sample(text, 'igbridge_crm_write_duration_seconds_count{outcome="ok"}')).toBe(2);
    expect(sample(text, 'igbridge_crm_write_duration_seconds_bucket{le="0.025",outcome="ok"}')).toBe(1);
    expect(sample(text, 'igbridge_crm_write_duration_seconds_bucket{le="+Inf",outcome="timeout"}')).toBe(1);
    expect(sample(text, 'igbridge_crm_pool_connections_in_use')).toBe(2);
    expect(sample(text, 'igbridge_crm_pool_connections_open')).toBe(4);
    expect(sample(text, 'igbridge_graph_calls_total{operation="send",outcome="ok"}')).toBe(1);
    expect(sample(text, 'igbridge_graph_calls_total{operation="send",outcome="error"}')).toBe(1);
    expect(sample(text, 'igbridge_graph_calls_total{operation="profile",outcome="timeout"}')).toBe(1);
  });

  it('when two services run in one process, then each counts only its own traffic', async () => {
    const other = await startTestService();
    try {
      await other.webhook(fixtureBytes('f1-text'));
      expect(sample(await scrape(service), 'igbridge_messages_stored_total{direction="in"}')).toBe(0);
      expect(sample(await scrape(other), 'igbridge_messages_stored_total{direction="in"}')).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

describe('GET /metrics with the real adapters behind the port', () => {
  it('when replies are sent through the (fake) Graph API, then sends are counted by outcome and stored ones by direction', async () => {
    const { graph, service, stop } = await startWithGraph();
    try {
      graph.nextSend(graphError(10, { subcode: 2534022 }));
      const send = () => service.api('/api/messages', { method: 'POST', body: JSON.stringify({ recipient_id: '6000000000000001', text: 'hi' }) });
      expect((await send()).status).toBe(502);
      expect((await send()).status).toBe(201);

      const text = await scrape(service);
      expect(sample(text, 'igbridge_graph_calls_total{operation="send",outcome="error"}')).toBe(1);
      expect(sample(text, 'igbridge_graph_calls_total{operation="send",outcome="ok"}')).toBe(1);
      expect(sample(text, 'igbridge_graph_call_duration_seconds_count{operation="send"}')).toBe(2);
      expect(sample(text, 'igbridge_messages_stored_total{direction="out"}')).toBe(1);
    } finally {
      await stop();
    }
  });

  it('when the CRM mirror writes to a real MySQL, then its writes, rows, pool and an empty backlog are exposed', async () => {
    const crm = await createCrmDatabase();
    const service = await startTestService(crm.env);
    try {
      await service.webhook(fixtureBytes('f3-batch'));
      await service.webhook(fixtureBytes('f4-echo'));
      await waitFor(async () => (await crm.rows()).length === 4, 'four rows in the CRM');

      const text = await waitFor(async () => {
        const scraped = await scrape(service);
        return sample(scraped, 'igbridge_crm_rows_total{outcome="ok"}') === 4 && sample(scraped, 'igbridge_crm_backlog') === 0 ? scraped : null;
      }, 'the CRM counters to settle');
      expect(sample(text, 'igbridge_crm_writes_total{outcome="ok"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'igbridge_crm_write_duration_seconds_count{outcome="ok"}')).toBe(sample(text, 'igbridge_crm_writes_total{outcome="ok"}'));
      expect(sample(text, 'igbridge_crm_pool_connections_open')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'igbridge_crm_pool_connections_in_use')).toBeGreaterThanOrEqual(0);
    } finally {
      await service.stop();
      await crm.drop();
    }
  });
});
