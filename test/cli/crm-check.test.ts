import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledTool } from '../support/compiled.js';
import { RENAMED_ENV, RENAMED_TABLE } from '../support/crm-tables.js';
import { createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Whatever a developer's .env says about the mapping, the test says it (an empty value counts as unset). */
const CLEAN = { CRM_MYSQL_COLUMNS: '', CRM_MYSQL_DIRECTION_VALUES: '', CRM_MYSQL_UNSEND: '', CRM_MYSQL_ENABLED: 'false' };

function crmCheck(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [compiledTool('crm-check')], { cwd: ROOT, env: { ...process.env, ...CLEAN, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('npm run crm:check', () => {
  let crm: CrmTestDatabase | undefined;
  afterEach(async () => {
    await crm?.drop();
    crm = undefined;
  });

  it('when the seed table is checked with no mapping, then it prints the five columns, every missing field and the natural-key mode, and exits 0', async () => {
    crm = await createCrmDatabase();

    const run = await crmCheck(crm.env);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`CRM table ${crm.database}.messages: fits`);
    expect(run.stdout).toContain('  user_id     → user_id (varchar(64))');
    expect(run.stdout).toContain("  direction   → direction (enum('in','out'))");
    expect(run.stdout).toContain('missing fields: mid, account_id, attachments, edited_at, deleted_at');
    expect(run.stdout).toContain('idempotency: natural-key');
    expect(run.stdout).toContain('changes: edits and unsends stay in igbridge (no mid column)');
    expect(run.stdout).toContain('TODO: the CRM table has no column for mid, account_id, attachments, edited_at and deleted_at');
    expect(run.stdout).not.toContain(crm.password);
  });

  it('when renamed columns and a UNIQUE external id are mapped, then it prints that mapping and the mid-unique mode', async () => {
    crm = await createCrmDatabase({ definition: RENAMED_TABLE });

    const run = await crmCheck({ ...crm.env, ...RENAMED_ENV, CRM_MYSQL_UNSEND: 'blank' });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  message     → body (text)');
    expect(run.stdout).toContain('  mid         → external_id (varchar(191))');
    expect(run.stdout).toContain('  direction values: in → inbound, out → outbound');
    expect(run.stdout).toContain('missing fields: account_id, attachments');
    expect(run.stdout).toContain('idempotency: mid-unique — INSERT … ON DUPLICATE KEY UPDATE');
    expect(run.stdout).toContain('changes: edits update body and edited_at; unsends set deleted_at and blank body');
    expect(run.stdout).toContain('TODO: the CRM table has no column for account_id and attachments (attachments reach it only as a text stand-in); reactions stay in igbridge only');
    expect(run.stdout).toMatch(/warning: `external_id` .* ignores letter case/);
  });

  it('when a mapped column is missing, then it names the column and exits 1', async () => {
    crm = await createCrmDatabase();

    const run = await crmCheck({ ...crm.env, CRM_MYSQL_COLUMNS: 'message=body' });

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('does NOT fit');
    expect(run.stdout).toContain('  message     → body (MISSING)');
    expect(run.stdout).toContain(`error: table ${crm.database}.messages has no column \`body\` (for message, mapped in CRM_MYSQL_COLUMNS)`);
  });

  it('when a mapping variable is invalid or the CRM location is missing, then it exits 2 naming the variable', async () => {
    const invalid = await crmCheck({ CRM_MYSQL_HOST: '127.0.0.1', CRM_MYSQL_USER: 'u', CRM_MYSQL_DATABASE: 'd', CRM_MYSQL_COLUMNS: 'text=body' });
    const missing = await crmCheck({ CRM_MYSQL_HOST: '', CRM_MYSQL_USER: '', CRM_MYSQL_DATABASE: '' });

    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('crm:check: invalid configuration: CRM_MYSQL_COLUMNS: unknown field "text"');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('CRM_MYSQL_HOST, CRM_MYSQL_USER, CRM_MYSQL_DATABASE not set');
  });
});
