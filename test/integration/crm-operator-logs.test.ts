import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crmReady } from '../support/crm-service.js';
import { textMessages } from '../support/instagram-events.js';
import { adminConnection, createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService, type TestService } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

const FAST = { CRM_RETRY_MAX_S: '0.2', CRM_MYSQL_ACQUIRE_TIMEOUT_S: '2', CRM_MYSQL_WRITE_TIMEOUT_S: '3' };

function messages(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ mid: `${prefix}.${i}`, text: `${prefix} message ${i}` }));
}

describe('what the CRM mirror tells its operator', () => {
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

  it('when a write waits on a locked table, then /readyz says slow and a warning is logged as soon as it passes CRM_SLOW_WRITE_MS, before it ends', async () => {
    service = await startTestService({ ...crm.env, ...FAST, CRM_MYSQL_WRITE_TIMEOUT_S: '60', CRM_SLOW_WRITE_MS: '300' });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const locker = await adminConnection();
    await locker.query(`LOCK TABLES \`${crm.database}\`.\`messages\` WRITE`);
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
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
    await waitFor(async () => (await crmReady(service!)).pending === 0, 'nothing pending');
    expect((await crmReady(service)).state).toBe('ok');
  });

  it('when the CRM refuses connections for a while, then one full failure line with the TODO, a summary per interval, and one recovery line with the outage and what drained', async () => {
    proxy = await TcpProxy.refusing({ host: crm.host, port: crm.port });
    service = await startTestService({ ...crm.env, ...FAST, CRM_MYSQL_PORT: String(proxy.port) }, { outageSummaryMs: 1_000 });
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
    service = await startTestService({ ...crm.env, ...FAST, CRM_MYSQL_WRITE_TIMEOUT_S: '0.5' });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    const locker = await adminConnection();
    await locker.query(`LOCK TABLES \`${crm.database}\`.\`messages\` WRITE`);
    try {
      await service.webhook(textMessages(messages('timeout', 1)));
      await waitFor(() => service!.logs.matching('CRM write failed').length > 0, 'the failure line');
      await waitFor(async () => (await crmReady(service!)).state === 'down', 'readyz down');
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
    const [line] = service.logs.matching('CRM write failed');
    expect(line).toMatchObject({ kind: 'in_doubt', todo: expect.stringMatching(/^TODO: /), error: { message: expect.stringContaining('CRM_MYSQL_WRITE_TIMEOUT_S') } });
    await waitFor(async () => (await crmReady(service!)).pending === 0, 'nothing pending');
  });
});
