import { afterEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

/** METRICS_TOKEN: the metrics (request counts, backlog) are not for anyone who can reach the port. */
describe('security: METRICS_TOKEN', () => {
  let service: TestService;
  afterEach(async () => {
    await service.stop();
  });

  it('when METRICS_TOKEN is set, then /metrics without it or with another token is 401, and with it 200', async () => {
    service = await startTestService({ METRICS_TOKEN: 'scrape-secret' });
    expect((await fetch(`${service.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${service.url}/metrics`, { headers: { authorization: 'Bearer test-api-token' } })).status).toBe(401);
    const scraped = await fetch(`${service.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret' } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('igbridge_webhook_requests_total');
  });

  it('when METRICS_TOKEN is not set, then /metrics answers without a token', async () => {
    service = await startTestService();
    expect((await fetch(`${service.url}/metrics`)).status).toBe(200);
  });
});
