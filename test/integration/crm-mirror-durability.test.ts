import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAST_CRM, crmReady, thread } from '../support/crm-service.js';
import { textMessages } from '../support/instagram-events.js';
import { adminConnection, createCrmDatabase, userConnections, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService, type TestService } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';


function messages(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ mid: `${prefix}.${i}`, text: `${prefix} ${i}` }));
}

describe('CRM mirror: nothing lost, nothing twice, across restarts and bad rows', () => {
  let crm: CrmTestDatabase;
  let dir: string;
  let service: TestService | undefined;
  let proxy: TcpProxy | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'igbridge-crm-'));
  });
  afterEach(async () => {
    await service?.stop();
    await proxy?.stop();
    await crm?.drop();
    rmSync(dir, { recursive: true, force: true });
    service = undefined;
    proxy = undefined;
  });

  it('when the service restarts with a pending backlog, then the backlog drains exactly once', async () => {
    crm = await createCrmDatabase();
    proxy = await TcpProxy.refusing({ host: crm.host, port: crm.port });
    const sqlite = join(dir, 'igbridge.db');
    service = await startTestService({ ...crm.env, ...FAST_CRM, SQLITE_PATH: sqlite, CRM_MYSQL_PORT: String(proxy.port) });
    await service.webhook(textMessages(messages('backlog', 20)));
    expect(await crmReady(service)).toMatchObject({ backlog: 20 });
    await service.stop();

    await proxy.listen();
    service = await startTestService({ ...crm.env, ...FAST_CRM, SQLITE_PATH: sqlite, CRM_MYSQL_PORT: String(proxy.port), CRM_BATCH_SIZE: '7' });

    await waitFor(async () => (await crmReady(service!)).backlog === 0, 'an empty backlog');
    expect((await crm.rows()).map((row) => row.message)).toEqual(messages('backlog', 20).map((m) => m.text));
    expect((await thread(service)).every((m) => m.crm.state === 'mirrored')).toBe(true);
  });

  it('when the process died after the CRM committed but before SQLite knew (row in doubt), then the restart does not write it again', async () => {
    crm = await createCrmDatabase();
    proxy = await TcpProxy.refusing({ host: crm.host, port: crm.port });
    const sqlite = join(dir, 'igbridge.db');
    service = await startTestService({ ...crm.env, ...FAST_CRM, SQLITE_PATH: sqlite, CRM_MYSQL_PORT: String(proxy.port) });
    await service.webhook(textMessages(messages('crash', 2)));
    await service.stop();
    // What a kill -9 between the INSERT's commit and the SQLite update leaves behind.
    await crm.admin.query(`INSERT INTO \`${crm.database}\`.messages (user_id, username, direction, message, created_at) VALUES ('6000000000000001', '6000000000000001', 'in', 'crash 0', '2023-11-14 22:13:20.000')`);
    const db = new Database(sqlite);
    db.prepare(`UPDATE messages SET crm_in_doubt = 1 WHERE mid = 'crash.0'`).run();
    db.close();

    await proxy.listen();
    service = await startTestService({ ...crm.env, ...FAST_CRM, SQLITE_PATH: sqlite, CRM_MYSQL_PORT: String(proxy.port) });

    await waitFor(async () => (await crmReady(service!)).backlog === 0, 'an empty backlog');
    expect((await crm.rows()).map((row) => row.message)).toEqual(['crash 0', 'crash 1']);
    expect(service.logs.matching('already there')).toHaveLength(1);
  });

  it('when one row of a batch is too long for a strict VARCHAR(20), then the others arrive and it is marked failed with the CRM error', async () => {
    crm = await createCrmDatabase({ messageColumn: 'VARCHAR(20)' });
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MAX_ATTEMPTS: '2' });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const batch = messages('ok', 6);
    batch.splice(3, 0, { mid: 'poison', text: 'this text is far too long for twenty characters' });

    await service.webhook(textMessages(batch));

    await waitFor(async () => (await crmReady(service!)).failed === 1, 'one failed message');
    expect((await crm.rows()).map((row) => row.message)).toEqual(messages('ok', 6).map((m) => m.text));
    const poison = (await thread(service)).find((m) => m.mid === 'poison');
    expect(poison.crm).toMatchObject({ state: 'failed', attempts: 2 });
    expect(poison.crm.last_error).toMatch(/Data too long/);
    expect(await crmReady(service)).toEqual({ state: 'ok', pending: 0, failed: 1, not_mirrored: 0, backlog: 0 });
    // One line per failed write, each with the whole error and the TODO; what became of the
    // row (retried later, then marked failed) is a field of that same line, not a line of its own.
    const failures = service.logs.lines.filter((line) => line.level >= 50);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const line of failures) {
      expect(line).toMatchObject({
        msg: expect.stringMatching(/^CRM write failed \(rejected\)/),
        kind: 'rejected',
        todo: expect.stringMatching(/^TODO: /),
        error: { code: 'ER_DATA_TOO_LONG', errno: 1406, sqlState: '22001', sqlMessage: expect.stringContaining('Data too long'), message: expect.stringContaining('Data too long'), stack: expect.stringMatching(/\n\s+at /) },
      });
    }
    const poisonLines = failures.filter((line) => line.mid === 'poison');
    expect(poisonLines.map((line) => [line.attempts, line.state, line.failed])).toEqual([[1, 'pending', false], [2, 'failed', true]]);
    expect(service.logs.matching('marked failed')).toEqual([poisonLines[1]]);
  });

  it('when the service stops while a write is stuck on a locked table, then it stops anyway, leaves no connection, and the restart mirrors once', async () => {
    crm = await createCrmDatabase();
    const sqlite = join(dir, 'igbridge.db');
    service = await startTestService({ ...crm.env, ...FAST_CRM, SQLITE_PATH: sqlite, CRM_MYSQL_WRITE_TIMEOUT_S: '120' });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const locker = await adminConnection();
    await locker.query(`LOCK TABLES \`${crm.database}\`.messages WRITE`);
    try {
      await service.webhook(textMessages(messages('shutdown', 3)));
      await waitFor(async () => (await userConnections(crm)).some((p) => p.INFO?.includes('insert into')), 'an INSERT waiting for the lock');

      const logs = service.logs;
      await service.stop();
      service = undefined;
      expect(logs.matching('killed the stuck CRM connection')).toHaveLength(1);

      await waitFor(async () => (await userConnections(crm)).length === 0, 'no connection left after shutdown');
      const db = new Database(sqlite, { readonly: true });
      expect(db.prepare(`SELECT crm_state, crm_in_doubt FROM messages ORDER BY id`).all()).toEqual(
        Array(3).fill({ crm_state: 'pending', crm_in_doubt: 1 }),
      );
      db.close();
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }

    service = await startTestService({ ...crm.env, ...FAST_CRM, SQLITE_PATH: sqlite });

    await waitFor(async () => (await crmReady(service!)).backlog === 0, 'an empty backlog');
    expect((await crm.rows()).map((row) => row.message)).toEqual(messages('shutdown', 3).map((m) => m.text));
  });

  it('when an in-doubt emoji message is checked, then a different emoji at the same time does not count as it', async () => {
    crm = await createCrmDatabase();
    proxy = await TcpProxy.refusing({ host: crm.host, port: crm.port });
    const sqlite = join(dir, 'igbridge.db');
    service = await startTestService({ ...crm.env, ...FAST_CRM, SQLITE_PATH: sqlite, CRM_MYSQL_PORT: String(proxy.port) });
    await service.webhook(textMessages([{ mid: 'thumbs', text: '👍', at: 1_700_000_000_000 }]));
    await service.stop();
    // Same customer, direction and millisecond, another emoji: equal under utf8mb4_unicode_ci.
    await crm.admin.query(`INSERT INTO \`${crm.database}\`.messages (user_id, username, direction, message, created_at) VALUES ('6000000000000001', '6000000000000001', 'in', '😀', '2023-11-14 22:13:20.000')`);
    const db = new Database(sqlite);
    db.prepare(`UPDATE messages SET crm_in_doubt = 1 WHERE mid = 'thumbs'`).run();
    db.close();

    await proxy.listen();
    service = await startTestService({ ...crm.env, ...FAST_CRM, SQLITE_PATH: sqlite, CRM_MYSQL_PORT: String(proxy.port) });

    await waitFor(async () => (await crmReady(service!)).backlog === 0, 'an empty backlog');
    expect((await crm.rows()).map((row) => row.message)).toEqual(['😀', '👍']);
  });
});
