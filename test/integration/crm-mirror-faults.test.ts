import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAST_CRM, crmReady, thread } from '../support/crm-service.js';
import { textMessages } from '../support/instagram-events.js';
import { createCrmDatabase, lockCrmTable, userConnections, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService, type TestService } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';


function messages(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ mid: `${prefix}.${i}`, text: `${prefix} message ${i}` }));
}

describe('CRM mirror when the CRM misbehaves', () => {
  let crm: CrmTestDatabase;
  let proxy: TcpProxy | undefined;
  let service: TestService | undefined;
  beforeEach(async () => {
    crm = await createCrmDatabase();
  });
  afterEach(async () => {
    await service?.stop();
    await proxy?.stop();
    await crm.drop();
    service = undefined;
    proxy = undefined;
  });

  async function expectExactlyOnce(texts: string[]) {
    await waitFor(async () => (await crm.rows()).length >= texts.length, `${texts.length} CRM rows`);
    await waitFor(async () => (await crmReady(service!)).backlog === 0, 'an empty backlog');
    expect((await crm.rows()).map((row) => row.message).sort()).toEqual([...texts].sort());
  }

  it('when the CRM refuses connections, then webhooks answer 200, messages wait locally, and arrive once when it is back', async () => {
    proxy = await TcpProxy.refusing({ host: crm.host, port: crm.port });
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_PORT: String(proxy.port) });
    const sent = messages('refused', 5);

    const response = await service.webhook(textMessages(sent));

    expect(response.status).toBe(200);
    expect((await thread(service)).map((m) => [m.text, m.crm.state])).toEqual(sent.map((m) => [m.text, 'pending']));
    await waitFor(() => service!.logs.lines.some((line) => String(line.todo).startsWith('TODO')), 'a failure line with its TODO');
    expect(service.logs.text()).toContain('ECONNREFUSED');
    expect(await crmReady(service)).toMatchObject({ state: 'down', backlog: 5 });
    expect(service.logs.text()).not.toContain(crm.password);

    await proxy.listen();

    await expectExactlyOnce(sent.map((m) => m.text));
    expect(await crmReady(service)).toMatchObject({ state: 'ok', backlog: 0 });
  });

  it('when the CRM accepts connections and never answers, then webhooks answer 200 while it hangs, and everything arrives once after', async () => {
    proxy = await TcpProxy.start({ host: crm.host, port: crm.port }, 'hang');
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_ACQUIRE_TIMEOUT_S: '120', CRM_MYSQL_PORT: String(proxy.port) });
    await waitFor(() => proxy!.hanging.size > 0, 'a connection stuck on the hanging CRM');
    const stuck = [...proxy.hanging];

    const response = await service.webhook(textMessages(messages('hang', 3)));

    expect(response.status).toBe(200);
    expect(stuck.every((socket) => proxy!.hanging.has(socket))).toBe(true);
    expect((await thread(service)).map((m) => m.crm.state)).toEqual(['pending', 'pending', 'pending']);

    proxy.mode = 'pass';
    for (const socket of stuck) socket.destroy();

    await expectExactlyOnce(messages('hang', 3).map((m) => m.text));
    await waitFor(() => service!.logs.lines.some((line) => String(line.todo).startsWith('TODO')), 'a failure line with its TODO');
  });

  it('when the CRM table is locked, then webhooks answer 200 while the INSERT waits, the slow write is reported, and rows arrive once', async () => {
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_WRITE_TIMEOUT_S: '120', CRM_SLOW_WRITE_MS: '300', CRM_MYSQL_POOL_MAX: '5' });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const unlock = await lockCrmTable(crm);
    try {
      await service.webhook(textMessages(messages('locked-a', 2)));
      const waiting = await waitFor(async () => (await userConnections(crm)).find((p) => p.INFO?.includes('insert into')), 'an INSERT waiting for the lock');

      const response = await service.webhook(textMessages(messages('locked-b', 2).map((m, i) => ({ ...m, at: 1_700_000_001_000 + i }))));

      expect(response.status).toBe(200);
      expect((await userConnections(crm)).some((p) => p.ID === waiting.ID && p.INFO?.includes('insert into'))).toBe(true);
      expect((await userConnections(crm)).length).toBeLessThanOrEqual(5);
      expect((await thread(service)).map((m) => m.crm.state)).toContain('pending');
      // Held past CRM_SLOW_WRITE_MS, measured by the server itself.
      await waitFor(async () => (await userConnections(crm)).some((p) => p.ID === waiting.ID && Number(p.TIME_MS) > 500), 'the INSERT waiting > 500 ms');
    } finally {
      await unlock();
    }

    await expectExactlyOnce([...messages('locked-a', 2), ...messages('locked-b', 2)].map((m) => m.text));
    expect(service.logs.matching('slow CRM write').length).toBeGreaterThan(0);
  });

  it('when a locked write times out, then its connection is killed, the error and TODO are logged, and after unlock every row is there once', async () => {
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_WRITE_TIMEOUT_S: '1', CRM_MYSQL_POOL_MAX: '3' });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const unlock = await lockCrmTable(crm);
    try {
      const response = await service.webhook(textMessages(messages('timeout', 4)));
      expect(response.status).toBe(200);

      await waitFor(() => service!.logs.matching('killed the stuck CRM connection').length >= 2, 'two killed writes');
      expect(service.logs.matching('CRM write failed (in_doubt)').length).toBeGreaterThan(0);
      expect(service.logs.lines.some((line) => String(line.todo).startsWith('TODO'))).toBe(true);
      expect((await userConnections(crm)).length).toBeLessThanOrEqual(3);
      expect(await crmReady(service)).toMatchObject({ state: 'down', backlog: 4 });
    } finally {
      await unlock();
    }

    await expectExactlyOnce(messages('timeout', 4).map((m) => m.text));
  });

  it('when the connection dies after the INSERT committed, then the retry finds the row and the CRM has it once', async () => {
    proxy = await TcpProxy.start({ host: crm.host, port: crm.port });
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_PORT: String(proxy.port) });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const cut = proxy.cutReplyTo('insert into');

    await service.webhook(textMessages(messages('ambiguous', 3)));
    await cut;

    await expectExactlyOnce(messages('ambiguous', 3).map((m) => m.text));
    expect(service.logs.matching('already there').length).toBe(3);
  });

  it('when the CRM keeps whole seconds only (DATETIME) and the reply to a committed INSERT is lost, then the retry still finds the row', async () => {
    await crm.drop();
    crm = await createCrmDatabase({ createdAtColumn: 'DATETIME' });
    proxy = await TcpProxy.start({ host: crm.host, port: crm.port });
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_PORT: String(proxy.port) });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const cut = proxy.cutReplyTo('insert into');

    await service.webhook(textMessages([{ mid: 'ms.1', text: 'with milliseconds', at: 1_700_000_000_999 }]));
    await cut;

    await expectExactlyOnce(['with milliseconds']);
    expect((await crm.rows())[0].created_at).toEqual(new Date('2023-11-14T22:13:20.000Z'));
  });

  it('when the CRM table lacks a column at start-up, then the log names it, the service runs local-only, and it mirrors once the column exists', async () => {
    await crm.admin.query(`ALTER TABLE \`${crm.database}\`.messages DROP COLUMN username`);
    service = await startTestService({ ...crm.env, ...FAST_CRM });
    await waitFor(() => service!.logs.matching('has no column `username`').length > 0, 'the misfit logged, naming the column');

    expect((await service.webhook(textMessages(messages('schema', 2)))).status).toBe(200);
    expect(await crmReady(service)).toMatchObject({ state: 'down', backlog: 2 });

    await crm.admin.query(`ALTER TABLE \`${crm.database}\`.messages ADD COLUMN username VARCHAR(255) NOT NULL DEFAULT '' AFTER user_id`);

    await expectExactlyOnce(messages('schema', 2).map((m) => m.text));
    expect(service.logs.matching('CRM connection validated')).toHaveLength(1);
    // Checked again at every retry, said once.
    expect(service.logs.matching('CRM mirror off: the CRM table does not fit')).toHaveLength(1);
  });

  it('when the CRM goes away while there is nothing to write, then /readyz turns down, and ok again when it is back', async () => {
    proxy = await TcpProxy.start({ host: crm.host, port: crm.port });
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_IDLE_TIMEOUT_S: '1', CRM_MYSQL_PORT: String(proxy.port) });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');

    await proxy.stop();

    await waitFor(async () => (await crmReady(service!)).state === 'down', 'readyz down');
    await proxy.listen();
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'readyz ok again');
  });

  it('when a write waits on a locked table, then /readyz says slow and a warning is logged as soon as it passes CRM_SLOW_WRITE_MS, before it ends', async () => {
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_WRITE_TIMEOUT_S: '60', CRM_SLOW_WRITE_MS: '300' });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const unlock = await lockCrmTable(crm);
    try {
      expect((await service.webhook(textMessages(messages('locked', 2)))).status).toBe(200);

      await waitFor(async () => (await crmReady(service!)).state === 'slow', 'readyz slow');
      const warning = service.logs.matching('CRM write in flight for')[0];
      expect(warning).toMatchObject({ level: 40, thresholdMs: 300 });
      expect(warning!.ms).toBeGreaterThanOrEqual(300);
      // Still waiting (the CRM table cannot even be read now): said while it happens, not after.
      expect(service.logs.matching('CRM write ok')).toEqual([]);
      expect(service.logs.matching('slow CRM write:')).toEqual([]);
      expect(await crmReady(service)).toMatchObject({ state: 'slow', pending: 2 });
    } finally {
      await unlock();
    }
    await waitFor(async () => (await crmReady(service!)).pending === 0, 'nothing pending');
    expect((await crmReady(service)).state).toBe('ok');
  });

  it('when the CRM refuses connections for a while, then one full failure line with the TODO, a summary per interval, and one recovery line with the outage and what drained', async () => {
    proxy = await TcpProxy.refusing({ host: crm.host, port: crm.port });
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_PORT: String(proxy.port) }, { outageSummaryMs: 1_000 });
    expect((await service.webhook(textMessages(messages('outage', 3)))).status).toBe(200);
    await waitFor(() => service!.logs.matching('failures like it since').length >= 2, 'two summaries');
    expect(await crmReady(service)).toMatchObject({ state: 'down', pending: 3 });

    // The first failure: one line, with the whole error and the TODO as a field of it.
    const failures = service.logs.lines.filter((line) => line.level >= 50);
    const first = failures[0]!;
    expect(first.msg).toContain('ECONNREFUSED');
    expect(first.error).toMatchObject({ code: 'ECONNREFUSED', errno: -111, message: expect.stringContaining('ECONNREFUSED') });
    expect((first.error as { stack: string }).stack).toMatch(/\n\s+at /);
    expect(first.todo).toMatch(/^TODO: /);
    // No separate TODO lines, no "retrying" line per attempt: the rest are summaries.
    expect(service.logs.lines.filter((line) => String(line.msg).startsWith('TODO'))).toEqual([]);
    expect(service.logs.matching('retrying').filter((line) => line.level >= 30)).toEqual([]);
    const summaries = service.logs.matching('failures like it since');
    expect(failures.length).toBe(1 + summaries.length);
    expect(summaries[0]).toMatchObject({ level: 50, repeated: expect.any(Number), todo: expect.stringMatching(/^TODO: /) });
    expect(summaries[0]!.repeated).toBeGreaterThan(1);

    await proxy.listen();
    await waitFor(() => service!.logs.matching('CRM recovered').length > 0, 'the recovery line');
    const recovery = service.logs.matching('CRM recovered');
    expect(recovery).toHaveLength(1);
    expect(recovery[0]).toMatchObject({ level: 30, drained: 3, failures: expect.any(Number) });
    expect(recovery[0]!.outageMs).toBeGreaterThan(1_000);
    expect(recovery[0]!.msg).toMatch(/outage of [\d.]+ s; 3 message\(s\) drained/);
    expect((await crm.rows()).length).toBe(3);
  });

  it('when a write times out on a locked table, then its failure line carries the error and the TODO in the same line', async () => {
    service = await startTestService({ ...crm.env, ...FAST_CRM, CRM_MYSQL_WRITE_TIMEOUT_S: '0.5' });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const unlock = await lockCrmTable(crm);
    try {
      await service.webhook(textMessages(messages('timeout', 1)));
      await waitFor(() => service!.logs.matching('CRM write failed').length > 0, 'the failure line');
      await waitFor(async () => (await crmReady(service!)).state === 'down', 'readyz down');
    } finally {
      await unlock();
    }
    const [line] = service.logs.matching('CRM write failed');
    expect(line).toMatchObject({ kind: 'in_doubt', todo: expect.stringMatching(/^TODO: /), error: { message: expect.stringContaining('CRM_MYSQL_WRITE_TIMEOUT_S') } });
    await waitFor(async () => (await crmReady(service!)).pending === 0, 'nothing pending');
  });
});
