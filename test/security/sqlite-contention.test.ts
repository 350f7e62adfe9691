import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { textMessages } from '../support/instagram-events.js';
import { startTestService, type TestService } from '../support/service.js';
import { sqliteRows, storedCount } from '../support/sqlite-rows.js';

/** Finding 9: another process's write lock made a webhook wait 5 s and `/healthz` 4.8 s; `/readyz` said ok on a full disk. */
describe('security: SQLite locked by another process', () => {
  let service: TestService;
  let locker: Database.Database;
  beforeEach(async () => {
    service = await startTestService();
    locker = new Database(service.sqlitePath);
    locker.pragma('busy_timeout = 0');
  });
  afterEach(async () => {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
    await service.stop();
  });

  it('when the lock outlasts ~2 s, then the webhook is 503 store_busy with Retry-After, /healthz answers meanwhile, and nothing is half-stored', async () => {
    locker.exec('BEGIN IMMEDIATE');
    const finished: string[] = [];
    const webhook = service.webhook(textMessages([{ mid: 'mid.locked.1', text: 'a' }, { mid: 'mid.locked.2', text: 'b' }])).then((response) => {
      finished.push('webhook');
      return response;
    });
    const health = await fetch(`${service.url}/healthz`);
    finished.push('healthz');

    const response = await webhook;
    expect(health.status).toBe(200);
    expect(finished).toEqual(['healthz', 'webhook']);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await response.json()) as any).error.code).toBe('store_busy');

    locker.exec('ROLLBACK');
    expect(storedCount(service.sqlitePath)).toBe(0);
    const retried = await service.webhook(textMessages([{ mid: 'mid.locked.1', text: 'a' }, { mid: 'mid.locked.2', text: 'b' }]));
    expect(retried.status).toBe(200);
    expect(storedCount(service.sqlitePath)).toBe(2);
  });

  it('when the lock is released within the wait, then the webhook commits and answers 200', async () => {
    locker.exec('BEGIN IMMEDIATE');
    const webhook = service.webhook(textMessages([{ mid: 'mid.briefly-locked', text: 'hi' }]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    locker.exec('ROLLBACK');

    const response = await webhook;
    expect(response.status).toBe(200);
    expect(sqliteRows(service.sqlitePath, 'SELECT mid FROM messages')).toEqual([{ mid: 'mid.briefly-locked' }]);
  });

  it('when several deliveries wait together for the lock and it is released within the wait, then each commits and answers 200', async () => {
    locker.exec('BEGIN IMMEDIATE');
    const mids = ['mid.grouped.1', 'mid.grouped.2', 'mid.grouped.3', 'mid.grouped.4'];
    const webhooks = mids.map((mid) => service.webhook(textMessages([{ mid, text: mid }])));
    await new Promise((resolve) => setTimeout(resolve, 300));
    locker.exec('ROLLBACK');

    const statuses = await Promise.all(webhooks.map(async (webhook) => (await webhook).status));
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(sqliteRows(service.sqlitePath, 'SELECT mid FROM messages ORDER BY mid')).toEqual(mids.map((mid) => ({ mid })));
  });

  it('when SQLite cannot write, then /readyz is 503 with sqlite: error and the reason; once it can, 200 after a real write', async () => {
    locker.exec('BEGIN IMMEDIATE');
    const locked = await fetch(`${service.url}/readyz`);
    expect(locked.status).toBe(503);
    const body = (await locked.json()) as { sqlite: string; reason: string; error: { code: string } };
    expect(body.sqlite).toBe('error');
    expect(body.reason).toMatch(/locked/);
    expect(body.error.code).toBe('sqlite_unavailable');

    locker.exec('ROLLBACK');
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).sqlite).toBe('ok');
    expect(sqliteRows<{ id: number; checked_at: number }>(service.sqlitePath, 'SELECT id, checked_at FROM health')).toEqual([{ id: 1, checked_at: expect.any(Number) }]);
  });
});
