import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/child-service.js';
import { waitFor } from '../support/wait.js';

/** What a fresh clone of this working tree holds: its files as they are now, nothing ignored (.env, dist/, data/). */
function copyCheckout(to: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT }).toString('utf8').split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(ROOT, file), join(to, file));
  }
}

/**
 * The dependencies `npm ci` installed, without its minutes: each package linked from this
 * checkout's node_modules, except tsx, so that nothing here can run TypeScript at run time.
 * The install stamp says `npm ci` is done (make's install step then does nothing).
 */
function linkDependencies(to: string): void {
  const from = join(ROOT, 'node_modules');
  mkdirSync(join(to, 'node_modules/.bin'), { recursive: true });
  for (const name of readdirSync(from)) {
    if (['.bin', '.install-stamp', 'tsx', '.vite', '.cache'].includes(name)) continue;
    symlinkSync(join(from, name), join(to, 'node_modules', name));
  }
  for (const name of readdirSync(join(from, '.bin'))) {
    if (name !== 'tsx') symlinkSync(join(from, '.bin', name), join(to, 'node_modules/.bin', name));
  }
  writeFileSync(join(to, 'node_modules/.install-stamp'), '');
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Only what a user's shell would have: no vitest variables, no npm update check, and no
 * node_modules/.bin on PATH (npx put this checkout's there, with its tsx).
 */
const userEnv = (extra: Record<string, string> = {}) => ({
  PATH: (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules')).join(':'),
  HOME: process.env.HOME ?? '',
  npm_config_update_notifier: 'false',
  ...extra,
});

function npmRun(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('npm', ['run', ...args], { cwd, env: userEnv(), timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** The pids of `pid`'s children (from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((entry) => {
    try {
      // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  }).map(Number);
}

describe('a fresh clone, as a new user runs it', () => {
  let clone: string;
  beforeAll(() => {
    clone = join(mkdtempSync(join(tmpdir(), 'igbridge-clone-')), 'igbridge');
    copyCheckout(clone);
    linkDependencies(clone);
  });
  afterAll(() => rmSync(dirname(clone), { recursive: true, force: true }));

  it('when a user types `npm run simulate` with no dist/ and no tsx installed, then it compiles first and runs the compiled CLI; after a source change, again', { timeout: 240_000 }, async () => {
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    expect(existsSync(join(clone, 'node_modules/tsx'))).toBe(false);

    const first = await npmRun(clone, 'simulate', '--', '--help');

    expect(first.code).toBe(0);
    expect(first.stderr).toContain('compiling src/ to dist/ first');
    expect(first.stdout).toContain('node dist/cli/simulate.js --help');
    expect(first.stdout).toContain('Posts a signed Instagram webhook');
    expect(existsSync(join(clone, 'dist/cli/simulate.js'))).toBe(true);

    const usage = join(clone, 'src/cli/simulate.ts');
    writeFileSync(usage, readFileSync(usage, 'utf8').replace('Posts a signed Instagram webhook', 'Posts ONE signed Instagram webhook'));
    const changed = await npmRun(clone, 'simulate', '--', '--help');

    expect(changed.code).toBe(0);
    expect(changed.stderr).toContain('compiling src/ to dist/ first');
    expect(changed.stdout).toContain('Posts ONE signed Instagram webhook');
  });

  it('when a user types `make run`, then .env is created 0600, the start-up line names the inbox, it serves, `npm run simulate` reaches it without compiling again, and SIGTERM exits 0', { timeout: 240_000 }, async () => {
    const make = spawn('make', ['--no-print-directory', 'run'], { cwd: clone, env: userEnv({ PORT: '0', HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    make.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    make.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => make.once('exit', (code) => resolve(code)));
    try {
      const listening = await waitFor(() => out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; port?: number; inbox?: string })
        .find((line) => line.msg.startsWith('igbridge listening')), 'the start-up line', 90_000);
      const url = `http://127.0.0.1:${listening.port}`;
      expect(listening.inbox).toBe(`${url}/`);
      expect(listening.msg).toContain(`the inbox is at ${url}/`);
      expect(listening.msg).toContain('API_TOKEN in .env');
      expect(statSync(join(clone, '.env')).mode & 0o777).toBe(0o600);

      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const simulated = await npmRun(clone, 'simulate', '--', '--port', String(listening.port), 'hello from a fresh clone');
      expect(simulated.stderr).not.toContain('compiling');
      expect(simulated.stdout).toContain(`POST ${url}/webhooks/instagram → 200`);
      const token = /^API_TOKEN=(.+)$/m.exec(readFileSync(join(clone, '.env'), 'utf8'))![1]!;
      const conversations = await (await fetch(`${url}/api/conversations`, { headers: { authorization: `Bearer ${token}` } })).json() as { conversations: Array<{ last_message: { text: string } }> };
      expect(JSON.stringify(conversations)).toContain('hello from a fresh clone');
    } finally {
      for (const child of childrenOf(make.pid!)) process.kill(child, 'SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"shutting down"');
  });
});
