import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, TEST_VERIFY_TOKEN, type TestService } from '../support/service.js';

describe('Meta handshake and health routes', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service.stop();
  });

  const verify = (query: string) => fetch(`${service.url}/webhooks/instagram?${query}`);

  it('when Meta subscribes with the right token, then the bare challenge comes back as text/plain', async () => {
    const response = await verify(`hub.mode=subscribe&hub.verify_token=${TEST_VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('1158201444');
  });

  it('when the token is wrong, then 403 with a JSON error', async () => {
    const response = await verify('hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1');
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'verification_failed' } });
  });

  it('when the mode is not subscribe, then 403', async () => {
    const response = await verify(`hub.mode=unsubscribe&hub.verify_token=${TEST_VERIFY_TOKEN}&hub.challenge=1`);
    expect(response.status).toBe(403);
  });

  it('when /healthz is asked, then it answers ok', async () => {
    const response = await fetch(`${service.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('when /readyz is asked with the CRM off, then SQLite is ok and the CRM disabled', async () => {
    const response = await fetch(`${service.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', sqlite: 'ok', crm: { state: 'disabled', backlog: 0 } });
  });

  it('when a route does not exist, then 404 with a JSON error', async () => {
    const response = await fetch(`${service.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('when a route is called with the wrong method, then 405', async () => {
    const response = await fetch(`${service.url}/healthz`, { method: 'DELETE' });
    expect(response.status).toBe(405);
  });
});
