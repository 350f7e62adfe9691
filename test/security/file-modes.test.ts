import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../support/child-service.js';
import { spawnService, type ServiceProcess } from '../support/process.js';
import { startTestService, type TestService } from '../support/service.js';

const mode = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`;

/** Finding 8: `.env` was created 0644, the data folder 0755, the database files 0644 — every DM readable by every local user. */
describe('security: file modes', () => {
  let service: TestService | undefined;
  const dirs: string[] = [];
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'igbridge-modes-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('when the service creates its data folder and database, then the folder is 0700 and the database, -wal and -shm 0600', async () => {
    process.umask(0o022); // what a login shell usually has
    const data = join(temp(), 'data');
    service = await startTestService({ SQLITE_PATH: join(data, 'igbridge.db') });
    expect((await service.webhook({ object: 'instagram', entry: [] })).status).toBe(200);

    expect(mode(data)).toBe('0700');
    for (const file of ['igbridge.db', 'igbridge.db-wal', 'igbridge.db-shm']) expect(`${file} ${mode(join(data, file))}`).toBe(`${file} 0600`);
    expect(service.logs.matching('readable by other local users')).toEqual([]);
  });

  it('when the database and its folder already exist with looser modes, then start-up warns naming each with the chmod to run', async () => {
    const data = join(temp(), 'data');
    mkdirSync(data);
    const db = join(data, 'igbridge.db');
    writeFileSync(db, '');
    chmodSync(data, 0o755);
    chmodSync(db, 0o644);
    service = await startTestService({ SQLITE_PATH: db });

    const warnings = service.logs.matching('readable by other local users');
    expect(warnings.map((line) => [line.path, line.mode, line.level])).toEqual([
      [data, '0755', 40],
      [db, '0644', 40],
      // SQLite gives -wal and -shm the database file's own mode.
      [`${db}-wal`, '0644', 40],
      [`${db}-shm`, '0644', 40],
    ]);
    expect(warnings[1]!.msg).toContain(`chmod 600 ${db}`);
  });

  it('when the service starts from a folder whose .env is 0644, then one start-up warning names .env and the chmod 600 to run; at 0600, none', async () => {
    const dir = temp();
    writeFileSync(join(dir, '.env'), 'API_TOKEN=token-from-the-dotenv\nSQLITE_PATH=./data/igbridge.db\n');
    chmodSync(join(dir, '.env'), 0o644);
    const started: ServiceProcess[] = [];
    const start = async () => {
      const running = spawnService({}, undefined, dir);
      started.push(running);
      const url = await running.url;
      expect((await fetch(`${url}/api/conversations`, { headers: { authorization: 'Bearer token-from-the-dotenv' } })).status).toBe(200);
      running.child.kill('SIGTERM');
      expect((await running.exited).code).toBe(0);
      return running.lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.msg.includes('readable by other local users'));
    };
    try {
      expect(await start()).toEqual([{
        level: 40, time: expect.any(String), service: 'igbridge', path: '.env', mode: '0644', wanted: '0600',
        msg: '.env is readable by other local users (mode 0644); run: chmod 600 .env',
      }]);

      chmodSync(join(dir, '.env'), 0o600);
      expect(await start()).toEqual([]);
      expect(started.flatMap((run) => run.lines).join('\n')).not.toContain('token-from-the-dotenv');
    } finally {
      for (const run of started) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });

  it('when make run creates .env, then it is 0600 even under a permissive umask', () => {
    const dir = temp();
    copyFileSync(join(ROOT, '.env.example'), join(dir, '.env.example'));
    const result = spawnSync('bash', ['-c', `umask 022 && bash ${join(ROOT, 'scripts/create-env.sh')}`], { cwd: dir, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(mode(join(dir, '.env'))).toBe('0600');
  });
});
