import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sign } from '../../src/adapters/http/signature.js';
import { fixtureBytes } from '../support/fixtures.js';
import { postSignedWebhook, spawnService } from '../support/process.js';
import { sqliteRows } from '../support/sqlite-rows.js';

const SECRET = 'process-test-secret';

describe('the service process', () => {
  it('when started with defaults, then it migrates a new SQLite file, serves, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igbridge-proc-'));
    const sqlitePath = join(dir, 'deep', 'igbridge.db');
    const service = spawnService({ SQLITE_PATH: sqlitePath, IG_APP_SECRET: SECRET, API_TOKEN: 'proc-token' });
    const url = await service.url;

    const bytes = fixtureBytes('f1-text');
    const response = await postSignedWebhook(url, bytes, SECRET);
    expect(response.status).toBe(200);
    service.child.kill('SIGTERM');

    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(sqlitePath)).toBe(true);
    expect(sqliteRows(sqlitePath, 'SELECT text FROM messages')).toEqual([{ text: 'Hello, do you ship to Berlin?' }]);
    const log = service.lines.join('\n');
    expect(log).toContain('"msg":"igbridge stopped"');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('proc-token');
  });

  it('when a request is in flight at SIGINT, then it is answered before the process exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igbridge-proc-'));
    const service = spawnService({ SQLITE_PATH: join(dir, 'db.sqlite'), IG_APP_SECRET: SECRET });
    const url = await service.url;
    const bytes = fixtureBytes('f3-batch');
    // Send the headers and half the body, signal, then finish the body.
    const { request } = await import('node:http');
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(`${url}/webhooks/instagram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': bytes.length, 'x-hub-signature-256': sign(bytes, SECRET) },
      }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(bytes.subarray(0, 50));
      setTimeout(() => {
        service.child.kill('SIGINT');
        setTimeout(() => req.end(bytes.subarray(50)), 200);
      }, 100);
    });
    expect(await answer).toBe(200);
    expect((await service.exited).code).toBe(0);
    expect(sqliteRows(join(dir, 'db.sqlite'), 'SELECT COUNT(*) AS n FROM messages')).toEqual([{ n: 3 }]);
  });

  it('when a variable is invalid, then start-up stops with a message naming it', async () => {
    const service = spawnService({ PORT: 'eighty', CRM_MYSQL_ENABLED: 'maybe' });
    const { code } = await service.exited;
    expect(code).toBe(2);
    expect(service.stderr()).toMatch(/invalid configuration: (PORT|CRM_MYSQL_ENABLED): /);
  });

  it('when the CRM is enabled without its settings, then a warning names them and the service runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igbridge-proc-'));
    const service = spawnService({ SQLITE_PATH: join(dir, 'db.sqlite'), CRM_MYSQL_ENABLED: 'true', CRM_MYSQL_USER: 'crm', CRM_MYSQL_PASSWORD: 'hunter2' });
    const url = await service.url;
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { crm: { state: string } };
    service.child.kill('SIGTERM');
    await service.exited;
    expect(ready.crm.state).toBe('disabled');
    const warning = service.lines.map((l) => JSON.parse(l)).find((l) => l.level === 40 && String(l.msg).includes('CRM mirror off'));
    expect(warning?.msg).toContain('CRM_MYSQL_HOST, CRM_MYSQL_DATABASE');
    expect(service.lines.join('\n')).not.toContain('hunter2');
  });
});
