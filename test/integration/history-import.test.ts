import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { FAKE_ACCOUNT_ID, graphError, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { conversation } from '../support/history.js';
import { sqliteRows } from '../support/sqlite-rows.js';

const NOW = Date.parse('2026-11-30T10:00:00Z');

/** `npm run history:import` as a real process. */
const historyImport = (env: Record<string, string>, ...args: string[]) => runCli('history-import', env, ...args);

// Each test runs the CLI as real processes (node dist/cli/history-import.js): on a loaded machine a run
// alone can take several seconds, so three of them need more than the default 30 s.
describe('npm run history:import', { timeout: 120_000 }, () => {
  let graph: FakeGraph;
  let dir: string;
  let env: Record<string, string>;
  const count = () => sqliteRows<{ n: number }>(env.SQLITE_PATH!, 'SELECT COUNT(*) AS n FROM messages')[0]!.n;

  beforeEach(async () => {
    graph = await startFakeGraph();
    dir = mkdtempSync(join(tmpdir(), 'igbridge-history-cli-'));
    env = { ...graph.env, SQLITE_PATH: join(dir, 'igbridge.db'), HISTORY_CALLS_PER_S: '500' };
    graph.inbox.add(conversation('conv-alice', { id: '6000000000000001', username: 'alice' }, 22, NOW - 60_000));
    graph.inbox.add(conversation('conv-bob', { id: '6000000000000002', username: 'bob' }, 2, NOW));
    graph.inbox.conversationPageSize = 1;
  });
  afterEach(async () => {
    await graph.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when run with --dry-run and then for real, then it counts first, imports with a progress bar, and says what it did', async () => {
    const dry = await historyImport(env, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('(dry run): 2 conversation(s), 22 message(s) missing');
    expect(count()).toBe(0);

    const real = await historyImport(env);

    expect(real.code).toBe(0);
    expect(real.stderr).toContain('1/1+ 100% conversations, 2 imported');
    expect(real.stderr).toContain('2/2 100% conversations, 22 imported');
    expect(real.stdout).toContain('2 conversation(s), 22 message(s) imported, 0 already stored, 2 older than Meta\'s 20 most recent');
    expect(count()).toBe(22);
  });

  it('when Meta refuses the token, then it exits 1 saying so; bad arguments exit 2 with the usage', async () => {
    graph.inbox.failNext(graphError(190));
    const refused = await historyImport(env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Meta refused the access token of account ${FAKE_ACCOUNT_ID} (code 190`);
    expect(refused.stderr).not.toContain(graph.token);

    const bad = await historyImport(env, '--since', '30.11.2026');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since "30.11.2026" is not a date like 2026-01-31');
    expect(bad.stderr).toContain('usage: npm run history:import');
  });
});
