import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/adapters/http/signature.js';
import { COMPILED_MAIN } from '../support/compiled.js';
import { crmReady } from '../support/crm-service.js';
import { RENAMED_ENV, RENAMED_TABLE } from '../support/crm-tables.js';
import { textMessages } from '../support/instagram-events.js';
import { adminConnection, createCrmDatabase, userConnections, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService, TEST_SECRET, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The real service as its own process (what `make run` starts), on a free port. */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [COMPILED_MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', IG_APP_SECRET: TEST_SECRET, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const port = await waitFor(() => {
    const line = out.split('\n').find((l) => l.includes('"msg":"igbridge listening'));
    return line ? (JSON.parse(line) as { port: number }).port : null;
  }, 'the service listening');
  return { child, url: `http://127.0.0.1:${port}` };
}

function postWebhook(url: string, body: string): Promise<Response> {
  return fetch(`${url}/webhooks/instagram`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body, TEST_SECRET) }, body });
}

describe('CRM mirror after kill -9', () => {
  let crm: CrmTestDatabase;
  let dir: string;
  let child: ChildProcess | undefined;
  let service: TestService | undefined;
  beforeEach(async () => {
    crm = await createCrmDatabase();
    dir = mkdtempSync(join(tmpdir(), 'igbridge-crash-'));
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await service?.stop();
    await crm.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the process is killed while its INSERT waits on a locked CRM table, then after restart every message is in the CRM once', async () => {
    const sqlite = join(dir, 'igbridge.db');
    const env = { ...crm.env, SQLITE_PATH: sqlite, CRM_RETRY_MAX_S: '0.3', CRM_MYSQL_WRITE_TIMEOUT_S: '120' };
    const running = await startProcess(env);
    child = running.child;
    const locker = await adminConnection();
    let killedWhileWaiting = false;
    try {
      await waitFor(async () => (await userConnections(crm)).length > 0, 'the CRM connection');
      await locker.query(`LOCK TABLES \`${crm.database}\`.messages WRITE`);
      const body = textMessages(Array.from({ length: 5 }, (_, i) => ({ mid: `crash.${i}`, text: `crash ${i}` })));
      expect((await postWebhook(running.url, body)).status).toBe(200);
      await waitFor(async () => (await userConnections(crm)).some((p) => p.INFO?.includes('insert into')), 'an INSERT waiting for the lock');

      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
      child = undefined;
      killedWhileWaiting = true;

      const db = new Database(sqlite, { readonly: true });
      expect(db.prepare(`SELECT count(*) AS n FROM messages WHERE crm_state = 'pending' AND crm_in_doubt = 1`).get()).toEqual({ n: 5 });
      db.close();
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
    expect(killedWhileWaiting).toBe(true);

    service = await startTestService(env);

    await waitFor(async () => (await crmReady(service!)).backlog === 0, 'an empty backlog');
    expect((await crm.rows()).map((row) => row.message)).toEqual(Array.from({ length: 5 }, (_, i) => `crash ${i}`));
  });

  it('when mid is mapped to external_id UNIQUE and the process is killed mid-write, then after restart each message is there once, twins in one millisecond included', async () => {
    await crm.drop();
    crm = await createCrmDatabase({ definition: RENAMED_TABLE });
    const sqlite = join(dir, 'igbridge.db');
    const env = { ...crm.env, ...RENAMED_ENV, SQLITE_PATH: sqlite, CRM_RETRY_MAX_S: '0.3', CRM_MYSQL_WRITE_TIMEOUT_S: '120' };
    const running = await startProcess(env);
    child = running.child;
    const locker = await adminConnection();
    try {
      await waitFor(async () => (await userConnections(crm)).length > 0, 'the CRM connection');
      await locker.query(`LOCK TABLES \`${crm.database}\`.messages WRITE`);
      const at = 1_700_000_000_500;
      const body = textMessages([{ mid: 'k.1', text: 'same', at }, { mid: 'k.2', text: 'same', at }, { mid: 'k.3', text: 'other', at }]);
      expect((await postWebhook(running.url, body)).status).toBe(200);
      await waitFor(async () => (await userConnections(crm)).some((p) => p.INFO?.includes('insert into')), 'an INSERT waiting for the lock');

      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
      child = undefined;
    } finally {
      // The killed process's INSERT still commits now (a ghost write): the restart must not add to it.
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
    await waitFor(async () => (await crm.select('external_id')).length === 3, 'the ghost write committed');

    service = await startTestService(env);

    await waitFor(async () => (await crmReady(service!)).backlog === 0, 'an empty backlog');
    expect(service.logs.matching('written again on their mid')).toHaveLength(1);
    expect((await crm.select('external_id, body')).map((row) => [row.external_id, row.body])).toEqual([['k.1', 'same'], ['k.2', 'same'], ['k.3', 'other']]);
  });
});
