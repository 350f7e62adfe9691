import { afterEach, describe, expect, it } from 'vitest';
import { inspectCrmTable } from '../../src/adapters/mysql/crm-table-inspection.js';
import { loadConfig } from '../../src/config.js';
import { crmUserQuery, RENAMED_ENV, RENAMED_TABLE } from '../support/crm-tables.js';
import { createCrmDatabase, type CrmTableOptions, type CrmTestDatabase } from '../support/mysql.js';

describe('CRM table introspection (information_schema, real MariaDB)', () => {
  let crm: CrmTestDatabase | undefined;
  afterEach(async () => {
    await crm?.drop();
    crm = undefined;
  });

  async function inspect(table: CrmTableOptions, env: Record<string, string> = {}, tableName?: string) {
    crm = await createCrmDatabase(table);
    const { query, close } = await crmUserQuery(crm);
    try {
      return await inspectCrmTable(query, crm.database, tableName ?? table.table ?? 'messages', loadConfig(env).crm.mapping);
    } finally {
      await close();
    }
  }

  it('when the table is the seed table and nothing is mapped, then it fits on the natural key and lacks every optional field', async () => {
    const fit = await inspect({});

    expect(fit).toMatchObject({ fits: true, errors: [], warnings: [], idempotency: 'natural-key', fractionDigits: 3, messageCharset: 'utf8mb4' });
    expect(fit.lacking).toEqual(['mid', 'account_id', 'attachments', 'edited_at', 'deleted_at']);
    expect(fit.columns.direction?.columnType).toBe("enum('in','out')");
  });

  it('when columns are renamed and external_id has a UNIQUE index, then it fits idempotently on mid and names what it still lacks', async () => {
    const fit = await inspect({ definition: RENAMED_TABLE }, RENAMED_ENV);

    expect(fit.errors).toEqual([]);
    expect(fit.fits).toBe(true);
    expect(fit.idempotency).toBe('mid-unique');
    expect(fit.columns.mid?.name).toBe('external_id');
    expect(fit.lacking).toEqual(['account_id', 'attachments']);
    expect(fit.todo).toBe('TODO: the CRM table has no column for account_id and attachments (attachments reach it only as a text stand-in); reactions, edits and unsends stay in igbridge only');
    // The table's default collation ignores case: said, not refused.
    expect(fit.warnings).toEqual([expect.stringMatching(/^`external_id` \(mid, varchar\(191\)\) compares with utf8mb4_unicode_ci, which ignores letter case/)]);
  });

  it('when a mapped column does not exist, then it does not fit and the column is named', async () => {
    const fit = await inspect({}, { CRM_MYSQL_COLUMNS: 'message=body' });

    expect(fit.fits).toBe(false);
    expect(fit.errors).toEqual([`table ${crm!.database}.messages has no column \`body\` (for message, mapped in CRM_MYSQL_COLUMNS)`]);
  });

  it('when the table does not exist, then it does not fit and says so', async () => {
    const fit = await inspect({}, {}, 'conversations');

    expect(fit.fits).toBe(false);
    expect(fit.errors).toEqual([`table ${crm!.database}.conversations not found (or not visible to this user)`]);
  });

  it('when the message column is utf8mb3, then a warning names it and says emoji will be refused', async () => {
    const fit = await inspect({ messageColumn: 'TEXT CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci' });

    expect(fit.fits).toBe(true);
    expect(fit.warnings).toEqual(['`message` (message, text) is utf8mb3, not utf8mb4: messages with emoji will be refused']);
  });

  it('when the direction ENUM lacks the configured values, then it does not fit and the allowed values are named', async () => {
    const fit = await inspect({}, { CRM_MYSQL_DIRECTION_VALUES: 'inbound,outbound' });

    expect(fit.errors).toEqual(["`direction` (direction, enum('in','out')) does not allow 'inbound' or 'outbound': set CRM_MYSQL_DIRECTION_VALUES to two of in, out"]);
  });

  it('when types are too small, then ids and mids are refused and a second-precision time is warned about', async () => {
    const fit = await inspect({
      definition: `id INT AUTO_INCREMENT PRIMARY KEY, user_id VARCHAR(12) NOT NULL, username VARCHAR(20) NOT NULL,
        direction TINYINT NOT NULL, message VARCHAR(255) NOT NULL, created_at DATETIME NOT NULL, mid VARCHAR(40),
        edited_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, team_id INT NOT NULL`,
    }, { CRM_MYSQL_COLUMNS: 'mid=mid,edited_at=edited_at', CRM_MYSQL_DIRECTION_VALUES: '0,1' });

    expect(fit.errors).toEqual([
      '`user_id` (user_id, varchar(12)) holds 12 characters: Instagram ids have up to 17 digits today',
      '`mid` (mid, varchar(40)) holds 40 characters: Instagram message ids run to about 150',
      '`edited_at` (edited_at, datetime) is NOT NULL: a message never edited or unsent has no edited_at',
    ]);
    expect(fit.warnings).toEqual([
      '`username` (username, varchar(20)) holds 20 characters: Instagram usernames have up to 30',
      '`message` (message, varchar(255)) holds 255 characters: longer messages are refused (strict mode) or cut',
      '`created_at` (created_at, datetime) keeps 0 fractional digits: message times lose their milliseconds',
      '`mid` (mid, varchar(40)) compares with utf8mb4_unicode_ci, which ignores letter case: two message ids differing only in case would be taken for one (a _bin collation is exact)',
      '`team_id` (int(11)) is NOT NULL without a default and igbridge does not write it: strict mode refuses every row',
      '`mid` (mid) has no UNIQUE index: a write with an unknown outcome is checked by mid before it is repeated, and without any index each check and each edit scans the table; a UNIQUE index makes every write idempotent',
    ]);
    expect(fit.idempotency).toBe('mid-check');
    expect(fit.fractionDigits).toBe(0);
  });
});
