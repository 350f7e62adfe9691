import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/adapters/http/signature.js';
import { freePort, startChild, type ChildService } from '../support/child-service.js';
import { COMPILED_MAIN } from '../support/compiled.js';
import { adminConnection, createCrmDatabase, userConnections, type CrmTestDatabase } from '../support/mysql.js';
import { waitFor } from '../support/wait.js';

/**
 * Issue 6: the real service process takes webhooks while the CRM hangs on a write (its table
 * is locked, so the INSERT is sent and never answered), and is SIGKILLed mid-traffic. Then
 * the CRM recovers (the killed process's INSERT may still commit: a "ghost" write) and the
 * service restarts: every webhook that got a 200 is in SQLite, and the CRM ends with every
 * message exactly once.
 */
const SECRET = 'crash-test-secret';

function body(mid: string): string {
  return JSON.stringify({
    object: 'instagram',
    entry: [{ id: '17841400000000001', time: Date.now(), messaging: [{ sender: { id: '6000000000000001' }, recipient: { id: '17841400000000001' }, timestamp: Date.now(), message: { mid, text: `crash test ${mid}` } }] }],
  });
}

/** Posts webhooks from `workers` loops until `stop()`; records the mids answered 200. */
function traffic(url: string, prefix: string, workers = 6) {
  const acked: string[] = [];
  let next = 0;
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const mid = `${prefix}.${next++}`;
      const bytes = body(mid);
      try {
        const response = await fetch(`${url}/webhooks/instagram`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(bytes, SECRET) }, body: bytes });
        if (response.status === 200) acked.push(mid);
        else if (running) throw new Error(`webhook ${mid} answered ${response.status}`);
      } catch (error) {
        if (running) throw error;
      }
    }
  });
  return {
    acked,
    stop: async () => {
      running = false;
      await Promise.allSettled(loops);
    },
    /** Resolves when the loops fail, i.e. once the process is gone. */
    done: Promise.allSettled(loops),
  };
}

describe('crash recovery: SIGKILL while the CRM hangs, restart against a working CRM', () => {
  let crm: CrmTestDatabase | undefined;
  let locker: mysql.Connection | undefined;
  let service: ChildService | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await service?.kill();
    await locker?.query('UNLOCK TABLES').catch(() => {});
    await locker?.end().catch(() => {});
    await crm?.drop();
    if (dir && !process.env.KEEP_CRASH_DIR) rmSync(dir, { recursive: true, force: true });
  });

  async function start(sqlitePath: string, logFile: string): Promise<ChildService> {
    return startChild(COMPILED_MAIN, {
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      SQLITE_PATH: sqlitePath,
      IG_APP_SECRET: SECRET,
      LOG_LEVEL: 'info',
      GRAPH_API_URL: 'http://127.0.0.1:9',
      CRM_RETRY_MAX_S: '0.5',
      CRM_BATCH_SIZE: '50',
      ...crm!.env,
    }, logFile);
  }

  it('when the service is killed mid-write and restarted, then every acknowledged message is in SQLite and in the CRM exactly once', async () => {
    crm = await createCrmDatabase();
    dir = mkdtempSync(join(tmpdir(), 'igbridge-crash-'));
    const sqlitePath = join(dir, 'igbridge.db');
    const logFile = join(dir, 'service.log');
    const table = `\`${crm.database}\`.messages`;

    // Healthy for a while: some messages reach the CRM.
    service = await start(sqlitePath, logFile);
    const before = traffic(service.url, 'before');
    await waitFor(async () => (await crm!.rows()).length >= 20, 'the first messages in the CRM');
    await before.stop();

    // The CRM hangs: writes are sent and never answered. Traffic goes on, then SIGKILL.
    locker = await adminConnection();
    await locker.query(`LOCK TABLES ${table} WRITE`);
    const during = traffic(service.url, 'during');
    await waitFor(async () => (await userConnections(crm!)).some((c) => /insert/i.test(c.INFO ?? '')), 'a CRM insert stuck behind the lock');
    await waitFor(() => during.acked.length >= 50, '50 more webhooks answered while the CRM hangs');
    await service.kill();
    await during.done;
    const acked = [...before.acked, ...during.acked];

    // The CRM recovers; the killed process's INSERT, if the server still runs it, commits now.
    await locker.query('UNLOCK TABLES');
    await waitFor(async () => !(await userConnections(crm!)).some((c) => /insert/i.test(c.INFO ?? '')), 'the orphaned insert to finish');

    const db = new Database(sqlitePath, { readonly: true });
    try {
      const stored = new Set(db.prepare('SELECT mid FROM messages').pluck().all() as string[]);
      expect(acked.filter((mid) => !stored.has(mid)), 'acknowledged but not in SQLite').toEqual([]);
      // The hard case was exercised: the write cut short by the kill left rows in doubt.
      expect(db.prepare('SELECT count(*) FROM messages WHERE crm_in_doubt = 1').pluck().get()).toBeGreaterThan(0);

      service = await start(sqlitePath, logFile);
      const total = stored.size;
      await waitFor(async () => (await crm!.rows()).length >= total && (db.prepare("SELECT count(*) FROM messages WHERE crm_state != 'mirrored'").pluck().get() as number) === 0, 'the CRM to catch up', 60_000);

      const texts = (await crm.rows()).map((row) => row.message);
      expect(texts.length).toBe(total);
      expect(new Set(texts).size).toBe(total);
      const inCrm = new Set(texts);
      expect([...stored].filter((mid) => !inCrm.has(`crash test ${mid}`)), 'stored but never mirrored').toEqual([]);
      expect(await service.stop()).toBe(0);
    } finally {
      db.close();
    }
  }, 120_000);
});
