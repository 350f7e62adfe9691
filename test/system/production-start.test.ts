import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureBytes } from '../support/fixtures.js';
import { postSignedWebhook, spawnService } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
/** The build goes where `npm run build` puts it, one level under the repository, under its own name. */
const OUT = `.test-dist-${process.pid}`;

describe('production start', () => {
  afterAll(() => rmSync(join(ROOT, OUT), { recursive: true, force: true }));

  it('when built with tsc, then `node <build>/main.js` serves webhooks and the inbox with no TypeScript loader, and exits 0', { timeout: 240_000 }, async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node dist/main.js');
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.dependencies)).toContain('pino-pretty'); // pretty logs in production too

    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT], { cwd: ROOT, timeout: 200_000 });
    const secret = 'production-secret';
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'igbridge-prod-')), 'db.sqlite');
    const service = spawnService({ SQLITE_PATH: sqlitePath, IG_APP_SECRET: secret, API_TOKEN: 'prod-token' }, [`${OUT}/main.js`]);
    const url = await service.url;

    const bytes = fixtureBytes('f1-text');
    const webhook = await postSignedWebhook(url, bytes, secret);
    expect(webhook.status).toBe(200);
    const page = await (await fetch(`${url}/`)).text();
    const entry = /src="(\/inbox\/inbox\.js\?v=[^"]+)"/.exec(page)![1]!;
    const script = await fetch(`${url}${entry}`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("from './api.js?v=");

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
  });

  it('when `make run` installs, then it first says why the first install takes long, and it starts the build with node', async () => {
    // --no-print-directory: under `make test` this make is nested and would add make[1] lines.
    const { stdout } = await run('make', ['--no-print-directory', '-n', '-B', 'run'], { cwd: ROOT });
    const lines = stdout.trim().split('\n');
    const notice = lines.findIndex((line) => line.includes('compiles better-sqlite3 (a native module)'));
    const install = lines.findIndex((line) => line.startsWith('npm ci'));
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(notice).toBe(install - 1);
    expect(lines.at(-1)).toBe('exec node dist/main.js');
  });
});
