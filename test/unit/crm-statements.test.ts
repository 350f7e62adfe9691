import { describe, expect, it } from 'vitest';
import { CrmStatements } from '../../src/adapters/mysql/crm-statements.js';
import { columnOf, crmTable, type CrmRow } from '../../src/adapters/mysql/crm-table.js';
import { loadConfig } from '../../src/config.js';

const SEED = loadConfig({}).crm.mapping;
const RENAMED = loadConfig({
  CRM_MYSQL_COLUMNS: 'user_id=ig_user_id,username=ig_username,direction=dir,message=body,created_at=sent_at,mid=external_id,edited_at=edited_at,deleted_at=gone_at',
}).crm.mapping;

const row = (n: number, changes: Partial<CrmRow> = {}): CrmRow => ({
  user_id: `600000000000000${n}`, username: `user${n}`, direction: 'in', message: `text ${n}`, created_at: `2026-03-01 10:00:0${n}.123`,
  mid: `m.${n}`, account_id: '17841400000000001', attachments: '[]', edited_at: null, deleted_at: null, ...changes,
});

describe('the CRM table as Drizzle sees it', () => {
  it('when the mapping renames columns, then the table has exactly the mapped fields under the CRM names', () => {
    const table = crmTable('crm_messages', RENAMED.columns);

    expect(columnOf(table, 'user_id').name).toBe('ig_user_id');
    expect(columnOf(table, 'mid').name).toBe('external_id');
    expect(columnOf(table, 'deleted_at').name).toBe('gone_at');
    expect(() => columnOf(table, 'attachments')).toThrow('the CRM mapping has no column for attachments');
  });
});

describe('CrmStatements: every CRM write, built by Drizzle', () => {
  it('when a batch is inserted with a UNIQUE mid, then one multi-row INSERT names the mapped columns and leaves an existing row as it is', () => {
    const statements = new CrmStatements('crm_messages', RENAMED);

    const query = statements.insert([row(1), row(2, { deleted_at: '2026-03-01 10:00:09.000' })], true);

    expect(query.sql).toBe('insert into `crm_messages` (`ig_user_id`, `ig_username`, `dir`, `body`, `sent_at`, `external_id`, `edited_at`, `gone_at`) '
      + 'values (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?) on duplicate key update `external_id` = `external_id`');
    expect(query.params).toEqual([
      '6000000000000001', 'user1', 'in', 'text 1', '2026-03-01 10:00:01.123', 'm.1', null, null,
      '6000000000000002', 'user2', 'in', 'text 2', '2026-03-01 10:00:02.123', 'm.2', null, '2026-03-01 10:00:09.000',
    ]);
  });

  it('when the seed mapping inserts without upsert, then only the five columns are written and there is no ON DUPLICATE KEY', () => {
    const query = new CrmStatements('messages', SEED).insert([row(1)], false);

    expect(query).toEqual({
      sql: 'insert into `messages` (`user_id`, `username`, `direction`, `message`, `created_at`) values (?, ?, ?, ?, ?)',
      params: ['6000000000000001', 'user1', 'in', 'text 1', '2026-03-01 10:00:01.123'],
    });
  });

  it('when another batch of a size already built comes, then the reused statement is exactly what Drizzle builds for it', () => {
    const statements = new CrmStatements('crm_messages', RENAMED);
    const fresh = new CrmStatements('crm_messages', RENAMED);
    const first = [row(1), row(2), row(3)];
    const second = [row(4, { message: "it's \"quoted\" ?", edited_at: '2026-03-01 10:01:00.000' }), row(5, { direction: 'out' }), row(6)];

    for (const size of [3, 1, 3, 2, 3]) statements.insert(first.slice(0, size), true);
    for (const upsert of [true, false]) {
      expect(statements.insert(second, upsert)).toEqual(fresh.buildInsert(second, upsert));
      expect(statements.insert(second.slice(1), upsert)).toEqual(fresh.buildInsert(second.slice(1), upsert));
    }
  });

  it('when batches of every size come, then each statement is exactly what Drizzle builds for it', () => {
    const rows = Array.from({ length: 480 }, (_, i) => row(i, { message: i % 7 === 0 ? `it's "quoted" ? ${i}` : `text ${i}`, direction: i % 3 === 0 ? 'out' : 'in' }));

    for (const mapping of [SEED, RENAMED]) {
      const statements = new CrmStatements('crm_messages', mapping);
      for (const upsert of mapping === SEED ? [false] : [true, false]) {
        for (const size of [1, 2, 3, 4, 5, 9, 17, 107, 1, 240, 2]) {
          const batch = rows.slice(size, size * 2);
          expect(statements.insert(batch, upsert)).toEqual(statements.buildInsert(batch, upsert));
        }
      }
    }
  });

  it('when an in-doubt row is written with a mid column, then it is inserted unless a row has its mid', () => {
    const query = new CrmStatements('crm_messages', RENAMED).insertIfAbsent(row(1), 'utf8mb4');

    expect(query.sql).toBe('insert into `crm_messages` (`ig_user_id`, `ig_username`, `dir`, `body`, `sent_at`, `external_id`, `edited_at`, `gone_at`) '
      + 'select ?, ?, ?, ?, ?, ?, ?, ? from dual where not exists (select 1 from `crm_messages` where `crm_messages`.`external_id` = ?)');
    expect(query.params).toEqual(['6000000000000001', 'user1', 'in', 'text 1', '2026-03-01 10:00:01.123', 'm.1', null, null, 'm.1']);
  });

  it('when an in-doubt row is written without a mid column, then its natural key is compared, the text byte for byte in the column charset', () => {
    const statements = new CrmStatements('messages', SEED);

    const binary = statements.insertIfAbsent(row(1), 'utf8mb4');
    const plain = statements.insertIfAbsent(row(1), undefined);

    expect(binary.sql).toContain('where (`messages`.`user_id` = ? and `messages`.`direction` = ? and `messages`.`created_at` = ? and `messages`.`message` = CONVERT(? USING utf8mb4) COLLATE utf8mb4_bin)');
    expect(plain.sql).toContain('and `messages`.`message` = ?)');
    expect(binary.params.slice(5)).toEqual(['6000000000000001', 'in', '2026-03-01 10:00:01.123', 'text 1']);
  });

  it('when a change is sent, then the row with its mid gets the text and the mapped change times only', () => {
    const changed = row(1, { message: '', edited_at: '2026-03-01 10:05:00.000', deleted_at: '2026-03-01 10:06:00.000' });
    const withoutEdited = loadConfig({ CRM_MYSQL_COLUMNS: 'mid=external_id,deleted_at=deleted_at' }).crm.mapping;

    expect(new CrmStatements('crm_messages', RENAMED).update(changed)).toEqual({
      sql: 'update `crm_messages` set `body` = ?, `edited_at` = ?, `gone_at` = ? where `crm_messages`.`external_id` = ?',
      params: ['', '2026-03-01 10:05:00.000', '2026-03-01 10:06:00.000', 'm.1'],
    });
    expect(new CrmStatements('messages', withoutEdited).update(changed)).toEqual({
      sql: 'update `messages` set `message` = ?, `deleted_at` = ? where `messages`.`external_id` = ?',
      params: ['', '2026-03-01 10:06:00.000', 'm.1'],
    });
  });
});
