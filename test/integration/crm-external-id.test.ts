import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAST_CRM, crmReady, thread } from '../support/crm-service.js';
import { RENAMED_ENV, RENAMED_TABLE } from '../support/crm-tables.js';
import { messageChange } from '../support/instagram-changes.js';
import { textMessages } from '../support/instagram-events.js';
import { createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService, type TestService } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

const AT = Date.parse('2026-03-01T10:00:00.123Z');

describe('CRM mirror with mid mapped to external_id VARCHAR(191) UNIQUE (real MariaDB)', () => {
  let crm: CrmTestDatabase;
  let proxy: TcpProxy | undefined;
  let service: TestService | undefined;
  beforeEach(async () => {
    crm = await createCrmDatabase({ definition: RENAMED_TABLE });
  });
  afterEach(async () => {
    await service?.stop();
    await proxy?.stop();
    await crm.drop();
    service = undefined;
    proxy = undefined;
  });

  async function startBehindProxy(env: Record<string, string> = {}) {
    proxy = await TcpProxy.start({ host: crm.host, port: crm.port });
    service = await startTestService({ ...crm.env, ...RENAMED_ENV, ...FAST_CRM, CRM_MYSQL_PORT: String(proxy.port), ...env });
    await waitFor(async () => (await crmReady(service!)).state === 'ok', 'the CRM validated');
    return service;
  }

  const rows = () => crm.select('external_id, body, sent_at, edited_at, deleted_at');

  async function settled() {
    await waitFor(async () => (await crmReady(service!)).backlog === 0, 'an empty backlog');
  }

  it('when the reply to a committed INSERT is cut, then the rows are written again on their mid and each is there once, with no natural-key look-up', async () => {
    await startBehindProxy();
    const cut = proxy!.cutReplyTo('insert into');

    await service!.webhook(textMessages([{ mid: 'cut.1', text: 'one' }, { mid: 'cut.2', text: 'two' }, { mid: 'cut.3', text: 'three' }]));
    await cut;
    await settled();

    expect((await rows()).map((row) => [row.external_id, row.body])).toEqual([['cut.1', 'one'], ['cut.2', 'two'], ['cut.3', 'three']]);
    expect(service!.logs.matching('written again on their mid').length).toBeGreaterThan(0);
    expect(service!.logs.matching('in-doubt message was')).toEqual([]);
  });

  it('when two identical texts from one customer arrive in the same millisecond and their write is cut after commit, then the CRM has two rows', async () => {
    await startBehindProxy();
    const cut = proxy!.cutReplyTo('insert into');

    await service!.webhook(textMessages([{ mid: 'twin.1', text: 'ok', at: AT }, { mid: 'twin.2', text: 'ok', at: AT }]));
    await cut;
    await settled();

    expect((await rows()).map((row) => [row.external_id, row.body, row.sent_at.toISOString()])).toEqual([
      ['twin.1', 'ok', '2026-03-01T10:00:00.123Z'],
      ['twin.2', 'ok', '2026-03-01T10:00:00.123Z'],
    ]);
  });

  it('when a message is edited, reacted to and unsent, then its row gets the new text and edited_at, then deleted_at with the text kept, and the inbox shows each change pending until then', async () => {
    await startBehindProxy();
    await service!.webhook(textMessages([{ mid: 'ed.1', text: 'Blue, please', at: AT }]));
    await settled();
    await waitFor(async () => (await rows()).length === 1, 'the row');

    await service!.webhook(messageChange('ed.1', { edit: { text: 'Red, please', count: 1 } }, AT + 60_000));
    await service!.webhook(messageChange('ed.1', { react: '👍' }, AT + 61_000));
    const edited = await waitFor(async () => ((await rows())[0].body === 'Red, please' ? (await rows())[0] : null), 'the edit in the CRM');
    expect(edited.edited_at.toISOString()).toBe('2026-03-01T10:01:00.123Z');
    expect(edited.deleted_at).toBeNull();
    await waitFor(async () => (await thread(service!))[0].crm.change_pending === false, 'the inbox showing the change sent');

    await service!.webhook(messageChange('ed.1', { unsend: true }, AT + 120_000));
    const unsent = await waitFor(async () => ((await rows())[0].deleted_at ? (await rows())[0] : null), 'the unsend in the CRM');

    expect(unsent).toMatchObject({ external_id: 'ed.1', body: 'Red, please' });
    expect(unsent.deleted_at.toISOString()).toBe('2026-03-01T10:02:00.123Z');
    expect(await rows()).toHaveLength(1);
    expect((await thread(service!))[0].crm).toMatchObject({ state: 'mirrored', change_pending: false });
  });

  it('when CRM_MYSQL_UNSEND=blank, then an unsent message keeps its row with a blank text', async () => {
    await startBehindProxy({ CRM_MYSQL_UNSEND: 'blank' });
    await service!.webhook(textMessages([{ mid: 'bl.1', text: 'my phone number is …', at: AT }]));
    await waitFor(async () => (await rows()).length === 1, 'the row');

    await service!.webhook(messageChange('bl.1', { unsend: true }, AT + 5_000));

    const row = await waitFor(async () => ((await rows())[0].deleted_at ? (await rows())[0] : null), 'the unsend in the CRM');
    expect(row.body).toBe('');
  });

  it('when the CRM is down while a message is edited, then the update waits in the outbox, shown pending, and arrives when the CRM is back', async () => {
    await startBehindProxy();
    await service!.webhook(textMessages([{ mid: 'down.1', text: 'before', at: AT }]));
    await waitFor(async () => (await thread(service!))[0]?.crm.state === 'mirrored', 'mirrored');
    await proxy!.stop();

    await service!.webhook(messageChange('down.1', { edit: { text: 'after', count: 1 } }, AT + 1_000));

    expect((await thread(service!))[0].crm).toMatchObject({ state: 'mirrored', change_pending: true });
    await waitFor(() => service!.logs.matching('CRM write failed').length > 0, 'a failed update');
    expect((await rows())[0].body).toBe('before');
    await proxy!.listen();
    await waitFor(async () => (await rows())[0].body === 'after', 'the edit in the CRM');
    await waitFor(async () => (await thread(service!))[0].crm.change_pending === false, 'the inbox showing the change sent');
  });
});
