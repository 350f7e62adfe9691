import { afterEach, describe, expect, it } from 'vitest';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { CrmPool } from '../../src/adapters/mysql/crm-pool.js';
import { MysqlMessageMirror } from '../../src/adapters/mysql/mysql-message-mirror.js';
import type { Usernames } from '../../src/application/ports/usernames.js';
import { loadConfig } from '../../src/config.js';
import type { Message } from '../../src/domain/message.js';
import { createLogger } from '../../src/logger.js';
import { RENAMED_ENV, RENAMED_TABLE } from '../support/crm-tables.js';
import { createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';

const AT = Date.parse('2026-03-01T10:00:00.123Z');
const names: Usernames = { request: () => {}, of: async (id) => (id.endsWith('1') ? 'alice' : null) };

const message = (n: number, changes: Partial<Message> = {}) => ({
  mid: `m.${n}`, accountId: '17841400000000001', customerId: `600000000000000${n}`, direction: n % 2 ? 'in' : 'out', text: `text ${n}`,
  attachments: [], replyTo: null, payload: null, sentAt: AT + n, editedAt: null, deletedAt: null, ...changes,
}) as unknown as Message;

describe('the Drizzle-built CRM writes against MariaDB', () => {
  let crm: CrmTestDatabase;
  let pool: CrmPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    await crm.drop();
  });

  async function writer(definition: string | undefined, env: Record<string, string>): Promise<MysqlMessageMirror> {
    crm = await createCrmDatabase({ table: 'crm_messages', definition });
    const config = loadConfig({ ...crm.env, ...env });
    pool = new CrmPool(config.crm, createLogger('silent'), noOpMetrics);
    const mirror = new MysqlMessageMirror(pool, config.crm, names, createLogger('silent'), noOpMetrics);
    await mirror.validate();
    return mirror;
  }

  it('when a table with renamed columns and a UNIQUE mid is written, then each batch, retry and change lands in its own columns, once', async () => {
    const mirror = await writer(RENAMED_TABLE, RENAMED_ENV);
    const rows = () => crm.select("ig_user_id, ig_username, dir, body, DATE_FORMAT(sent_at, '%Y-%m-%d %H:%i:%s.%f') AS sent_at, external_id, edited_at, deleted_at, channel");

    await mirror.mirror([message(1), message(2), message(3)]);
    await mirror.mirror([message(2), message(3), message(4)]); // the same size again: the reused statement, two rows already there
    const retried = await mirror.mirrorIfAbsent(message(4));
    const absent = await mirror.mirrorIfAbsent(message(5));
    const updated = await mirror.update(message(1, { text: 'edited', editedAt: AT + 60_000 }));
    const unknown = await mirror.update(message(9, { deletedAt: AT }));

    expect(mirror.idempotent).toBe(true);
    expect([retried, absent, updated, unknown]).toEqual([false, true, true, false]);
    expect(await rows()).toEqual([
      { ig_user_id: '6000000000000001', ig_username: 'alice', dir: 'inbound', body: 'edited', sent_at: '2026-03-01 10:00:00.124000', external_id: 'm.1', edited_at: new Date(AT + 60_000), deleted_at: null, channel: 'instagram' },
      { ig_user_id: '6000000000000002', ig_username: '6000000000000002', dir: 'outbound', body: 'text 2', sent_at: '2026-03-01 10:00:00.125000', external_id: 'm.2', edited_at: null, deleted_at: null, channel: 'instagram' },
      { ig_user_id: '6000000000000003', ig_username: '6000000000000003', dir: 'inbound', body: 'text 3', sent_at: '2026-03-01 10:00:00.126000', external_id: 'm.3', edited_at: null, deleted_at: null, channel: 'instagram' },
      { ig_user_id: '6000000000000004', ig_username: '6000000000000004', dir: 'outbound', body: 'text 4', sent_at: '2026-03-01 10:00:00.127000', external_id: 'm.4', edited_at: null, deleted_at: null, channel: 'instagram' },
      { ig_user_id: '6000000000000005', ig_username: '6000000000000005', dir: 'inbound', body: 'text 5', sent_at: '2026-03-01 10:00:00.128000', external_id: 'm.5', edited_at: null, deleted_at: null, channel: 'instagram' },
    ]);
  });

  it('when the table has no mid and keeps whole seconds, then an in-doubt row is found by its natural key at that precision, its text compared byte for byte', async () => {
    const mirror = await writer(undefined, { CRM_MYSQL_TABLE: 'crm_messages' });
    await crm.admin.query(`ALTER TABLE \`${crm.database}\`.crm_messages MODIFY created_at DATETIME NOT NULL`);
    await mirror.validate();

    await mirror.mirror([message(1, { text: 'Hi 😀' })]);
    const same = await mirror.mirrorIfAbsent(message(1, { text: 'Hi 😀' }));
    const otherCase = await mirror.mirrorIfAbsent(message(1, { text: 'hi 😀' }));
    const otherEmoji = await mirror.mirrorIfAbsent(message(1, { text: 'Hi 👍' }));

    expect([same, otherCase, otherEmoji]).toEqual([false, true, true]);
    expect((await crm.rows()).map((row) => [row.message, row.created_at])).toEqual([
      ['Hi 😀', new Date('2026-03-01T10:00:00Z')], ['hi 😀', new Date('2026-03-01T10:00:00Z')], ['Hi 👍', new Date('2026-03-01T10:00:00Z')],
    ]);
  });
});
