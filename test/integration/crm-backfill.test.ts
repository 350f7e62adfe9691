import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { textMessages } from '../support/instagram-events.js';
import { startFakeGraph } from '../support/fake-graph.js';
import { RENAMED_ENV, RENAMED_TABLE } from '../support/crm-tables.js';
import { createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService } from '../support/service.js';

/** `npm run crm:backfill` as a real process. */
const backfill = (env: Record<string, string>, ...args: string[]) => runCli('crm-backfill', env, ...args);

// Each test runs the CLI as real processes (node dist/cli/crm-backfill.js): on a loaded machine one run
// alone can take several seconds, so the tests that run it three times get more than the default 30 s.
describe('npm run crm:backfill', { timeout: 120_000 }, () => {
  let crm: CrmTestDatabase;
  let dir: string;
  let sqlite: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    crm = await createCrmDatabase();
    dir = mkdtempSync(join(tmpdir(), 'igbridge-backfill-'));
    sqlite = join(dir, 'igbridge.db');
    env = { ...crm.env, CRM_MYSQL_ENABLED: 'false', SQLITE_PATH: sqlite };
    // Messages stored while the mirror was off: two old ones, three recent ones.
    const service = await startTestService({ SQLITE_PATH: sqlite });
    await service.webhook(textMessages([
      { mid: 'old.0', text: 'old 0', at: Date.parse('2024-01-01T10:00:00.000Z') },
      { mid: 'old.1', text: 'old 1', at: Date.parse('2024-01-01T10:00:01.000Z') },
      { mid: 'new.0', text: 'new 0 ❤️', at: Date.parse('2024-06-01T10:00:00.123Z') },
      { mid: 'new.1', text: 'new 1', at: Date.parse('2024-06-01T10:00:01.000Z'), echo: true },
      { mid: 'new.2', text: 'new 2', at: Date.parse('2024-06-01T10:00:02.000Z'), customer: '6000000000000002' },
    ]));
    await service.close();
  });
  afterEach(async () => {
    await crm.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the CRM table is fitted by CRM_MYSQL_COLUMNS, then the backfill writes its columns and values; a misfit stops it naming the column', async () => {
    const fitted = await createCrmDatabase({ definition: RENAMED_TABLE });
    try {
      const refused = await backfill({ ...env, ...fitted.env, CRM_MYSQL_ENABLED: 'false', CRM_MYSQL_COLUMNS: 'message=body' });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`crm:backfill: the CRM is not usable: the CRM table does not fit: table ${fitted.database}.messages has no column \`user_id\``);

      const run = await backfill({ ...env, ...fitted.env, CRM_MYSQL_ENABLED: 'false', ...RENAMED_ENV });

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('5 sent');
      expect((await fitted.select('external_id, ig_user_id, dir, body')).map((row) => Object.values(row))).toEqual([
        ['old.0', '6000000000000001', 'inbound', 'old 0'],
        ['old.1', '6000000000000001', 'inbound', 'old 1'],
        ['new.0', '6000000000000001', 'inbound', 'new 0 ❤️'],
        ['new.1', '6000000000000001', 'outbound', 'new 1'],
        ['new.2', '6000000000000002', 'inbound', 'new 2'],
      ]);
    } finally {
      await fitted.drop();
    }
  });

  it('when run with --dry-run, then it counts what it would send and sends nothing', async () => {
    const run = await backfill(env, '--dry-run');

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('5 message(s)');
    expect(await crm.rows()).toHaveLength(0);
  });

  it('when run with --since, then only newer messages go; run again without it, then the rest; a third run sends nothing', async () => {
    const first = await backfill(env, '--since', '2024-03-01T00:00:00Z');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('3 sent');
    expect(first.stderr).toContain('3/3 100%');
    expect((await crm.rows()).map((r) => r.message)).toEqual(['new 0 ❤️', 'new 1', 'new 2']);

    const second = await backfill(env);
    expect(second.stdout).toContain('2 sent');

    const third = await backfill(env);
    expect(third.stdout).toContain('nothing to send');
    expect((await crm.rows()).map((r) => [r.message, r.direction, r.created_at])).toEqual([
      ['new 0 ❤️', 'in', new Date('2024-06-01T10:00:00.123Z')],
      ['new 1', 'out', new Date('2024-06-01T10:00:01.000Z')],
      ['new 2', 'in', new Date('2024-06-01T10:00:02.000Z')],
      ['old 0', 'in', new Date('2024-01-01T10:00:00.000Z')],
      ['old 1', 'in', new Date('2024-01-01T10:00:01.000Z')],
    ]);
  }, 90_000); // three CLI processes, each starting node: a few seconds on a quiet machine, more under load

  it('when a backfill was interrupted after the CRM committed (rows in doubt), then running it again does not duplicate them', async () => {
    await backfill(env);
    // An interrupted run leaves its last batch marked in doubt and not yet mirrored.
    const db = new Database(sqlite);
    db.prepare(`UPDATE messages SET crm_state = 'not_mirrored', crm_in_doubt = 1 WHERE mid IN ('old.1', 'new.0')`).run();
    db.close();

    const again = await backfill(env);

    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 sent, 2 already in the CRM');
    expect(await crm.rows()).toHaveLength(5);
  });

  it('when IG_ACCESS_TOKEN is set, then backfilled rows carry the Instagram username', async () => {
    const graph = await startFakeGraph();
    graph.setProfile('6000000000000001', { username: 'alice.berlin', name: 'Alice' });
    try {
      const run = await backfill({ ...env, ...graph.env });

      expect(run.code).toBe(0);
      const usernames = (await crm.rows()).map((r) => [r.user_id, r.username]);
      expect(usernames).toContainEqual(['6000000000000001', 'alice.berlin']);
      expect(usernames).toContainEqual(['6000000000000002', '6000000000000002']);
    } finally {
      await graph.close();
    }
  });

  it('when the CRM location is not configured, then it explains what is missing', async () => {
    const run = await backfill({ SQLITE_PATH: sqlite, CRM_MYSQL_ENABLED: 'false' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CRM_MYSQL_HOST, CRM_MYSQL_USER, CRM_MYSQL_DATABASE not set');
    expect(run.stderr).toContain('usage: npm run crm:backfill');
  });

  it('when the CRM rejects one message, then the others are sent, that one is marked failed, and the exit code says so', async () => {
    await crm.drop();
    crm = await createCrmDatabase({ messageColumn: 'VARCHAR(5)' });
    env = { ...crm.env, CRM_MYSQL_ENABLED: 'false', SQLITE_PATH: sqlite };

    const run = await backfill(env);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('4 sent, 0 already in the CRM, 1 rejected by the CRM');
    expect(run.stderr).toContain('TODO');
    const db = new Database(sqlite, { readonly: true });
    expect(db.prepare(`SELECT mid, crm_state, crm_last_error FROM messages WHERE crm_state != 'mirrored'`).all()).toEqual([
      { mid: 'new.0', crm_state: 'failed', crm_last_error: expect.stringContaining('Data too long') },
    ]);
    db.close();
  });
});
