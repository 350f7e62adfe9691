import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, runCliWithInput } from '../support/cli.js';
import { FAKE_ACCOUNT_ID, FAKE_GRAPH_TOKEN, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { createPgDatabase } from '../support/postgres.js';
import { sqliteRows } from '../support/sqlite-rows.js';

const OUTLET = '17841400000000002';
const OUTLET_TOKEN = 'outlet-access-token';

/** `npm run accounts -- …` as a real process. */
const accounts = (env: Record<string, string>, ...args: string[]) => runCli('accounts', env, ...args);

// Several CLI processes per test: on a loaded machine each can take seconds.
describe('npm run accounts', { timeout: 120_000 }, () => {
  let graph: FakeGraph;
  let dir: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    graph = await startFakeGraph();
    graph.addAccount({ id: OUTLET, username: 'acme.outlet', token: OUTLET_TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'igbridge-accounts-cli-'));
    env = { ...graph.env, SQLITE_PATH: join(dir, 'igbridge.db'), LOG_FORMAT: 'json' };
  });
  afterEach(async () => {
    await graph.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when an account is added, listed and removed, then Meta names it, the list shows both accounts without tokens, and removing forgets it', async () => {
    const add = await accounts(env, 'add', '--token', OUTLET_TOKEN);
    expect(add).toMatchObject({ code: 0, stdout: `added account ${OUTLET} (@acme.outlet): Meta accepts its token; igbridge refreshes it once it is 24 hours old\n` });
    expect(graph.meRequests().map((r) => r.token)).toEqual([OUTLET_TOKEN]);
    expect(sqliteRows(env.SQLITE_PATH!, 'SELECT id, token FROM accounts WHERE id = ?', OUTLET)).toEqual([{ id: OUTLET, token: OUTLET_TOKEN }]);

    const list = await accounts(env, 'list');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+USERNAME\s+TOKEN\s+EXPIRES\s+ADDED$/);
    // The env pair is an account too; the outlet was added first.
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      [OUTLET, 'acme.outlet', 'ok', '-'],
      [FAKE_ACCOUNT_ID, '-', 'ok', '-'],
    ]);

    const remove = await accounts(env, 'remove', OUTLET);
    expect(remove).toMatchObject({ code: 0, stdout: expect.stringContaining(`removed account ${OUTLET} and its token; its messages stay`) });
    expect((await accounts(env, 'list')).stdout).not.toContain(OUTLET);
    expect(await accounts(env, 'remove', OUTLET)).toMatchObject({ code: 1, stderr: expect.stringContaining(`no account ${OUTLET}`) });

    for (const run of [add, list, remove]) {
      expect(run.stdout + run.stderr).not.toContain(OUTLET_TOKEN);
      expect(run.stdout + run.stderr).not.toContain(FAKE_GRAPH_TOKEN);
    }
  });

  it('when Meta refuses the token, then nothing is stored and it exits 1 saying so; bad arguments exit 2 with the usage', async () => {
    const refused = await accounts(env, 'add', '--token', 'revoked-or-mistyped-token');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Meta refused this token');
    expect(refused.stderr).toContain('Nothing was stored');
    expect(refused.stderr).not.toContain('revoked-or-mistyped-token');
    expect(sqliteRows(env.SQLITE_PATH!, 'SELECT id FROM accounts')).toEqual([]);

    for (const args of [[], ['add'], ['remove', 'me'], ['rename', '1']]) {
      const bad = await accounts(env, ...args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toContain('usage: npm run accounts -- add --token TOKEN | list | remove ID');
    }
  });

  it('when DATABASE_URL names PostgreSQL, then the command works on the shared database: an account added there is listed and removed there, and no SQLite file is made', async () => {
    const database = await createPgDatabase();
    try {
      const shared = { ...env, DATABASE_URL: database.url };
      expect(await accounts(shared, 'add', '--token', OUTLET_TOKEN)).toMatchObject({ code: 0 });
      expect(await database.rows('SELECT id, token FROM accounts WHERE id = $1', [OUTLET])).toEqual([{ id: OUTLET, token: OUTLET_TOKEN }]);
      expect((await accounts(shared, 'list')).stdout).toContain('acme.outlet');
      expect(await accounts(shared, 'remove', OUTLET)).toMatchObject({ code: 0 });
      expect(await database.rows('SELECT id FROM accounts WHERE id = $1', [OUTLET])).toEqual([]);
      expect(existsSync(env.SQLITE_PATH!)).toBe(false);
    } finally {
      await database.drop();
    }
  });

  it('when the token is given as "-", then it is read from stdin (never on the command line) and the account is added', async () => {
    const add = await runCliWithInput('accounts', env, `${OUTLET_TOKEN}\n`, 'add', '--token', '-');
    expect(add).toMatchObject({ code: 0, stdout: expect.stringContaining(`added account ${OUTLET} (@acme.outlet)`) });
    expect(graph.meRequests().map((r) => r.token)).toEqual([OUTLET_TOKEN]);
    expect(sqliteRows(env.SQLITE_PATH!, 'SELECT token FROM accounts WHERE id = ?', OUTLET)).toEqual([{ token: OUTLET_TOKEN }]);
    expect(add.stdout + add.stderr).not.toContain(OUTLET_TOKEN);
  });
});
