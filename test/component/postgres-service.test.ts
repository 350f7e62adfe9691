import { afterEach, describe, expect, it } from 'vitest';
import { textMessages } from '../support/instagram-events.js';
import pg from 'pg';
import { createPgDatabase, pgAdmin, type PgTestDatabase } from '../support/postgres.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

/**
 * SPEC §14 with one instance: DATABASE_URL makes PostgreSQL the store for everything SQLite
 * holds, with the same routes and answers; PostgreSQL trouble → webhooks 503 + Retry-After,
 * /readyz says why, and the service recovers by itself.
 */
const started: TestService[] = [];
const databases: PgTestDatabase[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const service of started.splice(0)) await service.stop();
  for (const proxy of proxies.splice(0)) await proxy.stop();
  for (const database of databases.splice(0)) await database.drop();
});

async function onPostgres(env: Record<string, string> = {}): Promise<{ service: TestService; db: PgTestDatabase }> {
  const db = await createPgDatabase();
  databases.push(db);
  const service = await startTestService({ DATABASE_URL: db.url, ...env });
  started.push(service);
  return { service, db };
}

const SECRET_PASSWORD = 'pg-password-never-logged';

/** The same, with the service's connections going through a TCP proxy the test can cut or freeze. */
async function onPostgresThroughProxy(env: Record<string, string> = {}) {
  const db = await createPgDatabase();
  databases.push(db);
  const url = new URL(db.url);
  const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
  proxies.push(proxy);
  url.port = String(proxy.port);
  // The server trusts local connections, so any password passes: the logs must never show it.
  url.username = 'postgres';
  url.password = SECRET_PASSWORD;
  const service = await startTestService({ DATABASE_URL: url.toString(), ...env });
  started.push(service);
  return { service, db, proxy, url };
}

describe('the service on PostgreSQL (DATABASE_URL)', () => {
  it('when webhooks arrive, then messages are stored in PostgreSQL (once under redelivery) and read back through the API', async () => {
    const { service, db } = await onPostgres();
    const body = textMessages([{ mid: 'pg.1', text: 'hello' }, { mid: 'pg.2', text: 'again' }]);
    expect((await service.webhook(body)).status).toBe(200);
    expect((await service.webhook(body)).status).toBe(200);
    const rows = await db.rows<{ mid: string; crm_state: string }>('SELECT mid, crm_state FROM messages ORDER BY id');
    expect(rows).toEqual([{ mid: 'pg.1', crm_state: 'not_mirrored' }, { mid: 'pg.2', crm_state: 'not_mirrored' }]);
    const list = (await (await service.api('/api/conversations')).json()) as { conversations: any[] };
    expect(list.conversations).toEqual([expect.objectContaining({ user_id: '6000000000000001', message_count: 2, last_message: expect.objectContaining({ mid: 'pg.2', text: 'again' }) })]);
    const threadAnswer = await service.api('/api/conversations/6000000000000001/messages');
    // Several instances write to PostgreSQL: no change mark, so no ETag — every page is sent whole.
    expect(threadAnswer.headers.get('etag')).toBeNull();
    const thread = (await threadAnswer.json()) as { messages: any[] };
    expect(thread.messages.map((m) => m.mid).sort()).toEqual(['pg.1', 'pg.2']);
    // Nothing went to a SQLite file.
    expect(await db.rows('SELECT 1 FROM health')).toHaveLength(0);
  });

  it('when /readyz is asked, then it names the store and writes to it', async () => {
    const { service, db } = await onPostgres();
    const response = await fetch(`${service.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', store: 'postgresql', postgresql: 'ok' });
    expect(await db.rows('SELECT id FROM health')).toEqual([{ id: 1 }]);
  });

  it('when PostgreSQL goes away, then webhooks answer 503 with Retry-After and nothing half-stored, /readyz says why, and the service recovers by itself', async () => {
    const { service, db, proxy, url } = await onPostgresThroughProxy();
    expect((await service.webhook(textMessages([{ mid: 'before', text: 'ok' }]))).status).toBe(200);

    await proxy.stop(); // every connection cut, new ones refused
    const refused = await service.webhook(textMessages([{ mid: 'during', text: 'down' }]));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ error: { code: 'store_busy' } });
    // A read page fails as plainly (answered in front of Koa, then by its error handler).
    const page = await service.api('/api/conversations');
    expect([page.status, page.headers.get('retry-after')]).toEqual([503, '2']);
    expect(await page.json()).toMatchObject({ error: { code: 'store_busy' } });
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'error', store: 'postgresql', postgresql: 'error', error: { code: 'postgresql_unavailable' } });

    await proxy.listen();
    await waitFor(async () => (await fetch(`${service.url}/readyz`)).status === 200, '/readyz 200 again');
    expect((await service.webhook(textMessages([{ mid: 'during', text: 'down' }]))).status).toBe(200);
    expect((await db.rows<{ mid: string }>('SELECT mid FROM messages ORDER BY id')).map((r) => r.mid)).toEqual(['before', 'during']);
    expect(service.logs.text()).toContain('PostgreSQL');
    expect(service.logs.text()).not.toContain(SECRET_PASSWORD);
  });

  it('when the network to PostgreSQL stops carrying packets mid-delivery, then the webhook still answers 503 in bounded time, and afterwards the service recovers with the delivery stored once or not at all', async () => {
    const { service, db, proxy } = await onPostgresThroughProxy({ PG_STATEMENT_TIMEOUT_MS: '1000' });
    expect((await service.webhook(textMessages([{ mid: 'before', text: 'ok' }]))).status).toBe(200);

    proxy.mode = 'freeze';
    const frozen = await service.webhook(textMessages([{ mid: 'frozen', text: 'partition' }]));
    expect(frozen.status).toBe(503);
    expect(await frozen.json()).toMatchObject({ error: { code: 'store_busy' } });

    proxy.thaw();
    await waitFor(async () => (await fetch(`${service.url}/readyz`)).status === 200, '/readyz 200 again');
    // Meta delivers again; every later delivery is stored, whichever pooled connection it gets.
    await waitFor(async () => (await service.webhook(textMessages([{ mid: 'frozen', text: 'partition' }]))).status === 200, 'the redelivery to be taken');
    for (let i = 0; i < 12; i++) expect((await service.webhook(textMessages([{ mid: `after.${i}`, text: 'ok' }]))).status).toBe(200);
    const mids = (await db.rows<{ mid: string }>("SELECT mid FROM messages WHERE mid NOT LIKE 'after.%' ORDER BY mid")).map((r) => r.mid);
    expect(mids).toEqual(['before', 'frozen']);
    expect(await db.rows("SELECT 1 FROM messages WHERE mid LIKE 'after.%'")).toHaveLength(12);
  });

  it('when every PostgreSQL connection of the pool is busy, then a webhook waits a bounded time and answers 503, the pool gauges show it, and nothing is lost', async () => {
    const { service, db } = await onPostgres({ PG_POOL_MAX: '1', PG_STATEMENT_TIMEOUT_MS: '20000' });
    expect((await service.webhook(textMessages([{ mid: 'warm', text: 'ok' }]))).status).toBe(200);
    // Another client locks the table: the only pooled connection waits on it with the first delivery.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
      const first = service.webhook(textMessages([{ mid: 'first', text: 'waits for the lock' }]));
      await waitFor(async () => (await pgAdmin<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted"))[0]!.n > 0, 'the delivery waiting on the lock');
      const second = await service.webhook(textMessages([{ mid: 'second', text: 'waits for a connection' }]));
      expect(second.status).toBe(503);
      expect(await second.json()).toMatchObject({ error: { code: 'store_busy' } });
      await locker.query('COMMIT');
      expect((await first).status).toBe(200);
    } finally {
      await locker.end();
    }
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^igbridge_pg_pool_connections\{state="open"\} 1$/m);
    expect(metrics).toMatch(/^igbridge_pg_pool_connections\{state="waiting"\} 0$/m);
    expect((await service.webhook(textMessages([{ mid: 'second', text: 'waits for a connection' }]))).status).toBe(200);
    expect((await db.rows<{ mid: string }>('SELECT mid FROM messages ORDER BY id')).map((r) => r.mid)).toEqual(['warm', 'first', 'second']);
  });
});
