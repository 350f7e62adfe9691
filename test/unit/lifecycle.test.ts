import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteDb } from '../../src/adapters/sqlite/database.js';
import type { CrmPool } from '../../src/adapters/mysql/crm-pool.js';
import type { NonBlockingMirror } from '../../src/application/crm-mirror/non-blocking-mirror.js';
import { loadConfig } from '../../src/config.js';
import { buildContainer } from '../../src/container.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { createLogger } from '../../src/logger.js';
import { TOKENS } from '../../src/tokens.js';
import { FakeAccountStore } from '../support/fake-account-store.js';
import { LogCapture } from '../support/log-capture.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A container as the service or a CLI builds it; the CRM (when on) is a port where nothing listens. */
function wire(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'igbridge-lifecycle-'));
  dirs.push(dir);
  const sqlitePath = join(dir, 'data', 'igbridge.db');
  const logs = new LogCapture();
  const config = loadConfig({ SQLITE_PATH: sqlitePath, CRM_MYSQL_HOST: '127.0.0.1', CRM_MYSQL_PORT: '9', CRM_MYSQL_USER: 'u', CRM_MYSQL_DATABASE: 'd', ...env });
  const container = buildContainer(config, createLogger('info', logs));
  return { container, lifecycle: new Lifecycle(container), sqlitePath, logs };
}

describe('Lifecycle: the container wires, the lifecycle starts and stops', () => {
  it('when a tool stops a container it never used, then nothing was opened: no database file, no CRM connection', async () => {
    const { lifecycle, sqlitePath } = wire();

    await lifecycle.stop();

    expect(existsSync(sqlitePath)).toBe(false);
  });

  it('when the service starts with the CRM on, then the pool and the mirror run, and stop() closes mirror, pool and SQLite in that order', async () => {
    const { container, lifecycle, logs } = wire({ CRM_MYSQL_ENABLED: 'true', CRM_RETRY_MAX_S: '0.2' });
    const steps: string[] = [];
    await lifecycle.start();
    const mirror = container.resolve<NonBlockingMirror>(TOKENS.MessageMirror);
    const pool = container.resolve<CrmPool>(TOKENS.CrmPool);
    const db = container.resolve<SqliteDb>(TOKENS.SqliteDatabase);
    for (const [name, part] of [['mirror', mirror], ['pool', pool]] as const) {
      const close = part.close.bind(part);
      part.close = async (graceMs: number) => void (await close(graceMs), steps.push(name));
    }
    expect(logs.matching('CRM mirror on')).toHaveLength(1);

    await lifecycle.stop(async () => void steps.push('http'));
    steps.push(db.$client.open ? 'sqlite still open' : 'sqlite closed');

    expect(steps).toEqual(['http', 'mirror', 'pool', 'sqlite closed']);
    await expect(pool.acquire()).rejects.toMatchObject({ kind: 'unavailable', message: 'the CRM pool is closed' });
  });

  it('when the service starts, then the accounts are loaded (open) before anything reads them, once however often it is asked', async () => {
    const { container, lifecycle } = wire({ IG_ACCESS_TOKEN: 'EAAB-env', IG_ACCOUNT_ID: '17841400000000001' });
    const store = new FakeAccountStore();
    const steps: string[] = [];
    let loaded = false;
    store.open = () => new Promise<void>((resolve) => setTimeout(() => (steps.push('open'), (loaded = true), resolve()), 10));
    const read = store.byEnvTokenHash.bind(store);
    store.byEnvTokenHash = (hash) => (steps.push(loaded ? 'read' : 'read before open'), read(hash));
    container.register(TOKENS.AccountStore, { useValue: store });

    await Promise.all([lifecycle.open(), lifecycle.start()]);

    expect(steps).toEqual(['open', 'read']);
    expect(store.get('17841400000000001')?.token).toBe('EAAB-env');
    await lifecycle.stop();
  });

  it('when CRM_MYSQL_ENABLED=true but settings are missing, then start() says which, and the no-op mirror is wired', async () => {
    const { container, lifecycle, logs } = wire({ CRM_MYSQL_ENABLED: 'true', CRM_MYSQL_HOST: '' });

    await lifecycle.start();

    expect(logs.matching('CRM mirror off: CRM_MYSQL_ENABLED=true but CRM_MYSQL_HOST not set')).toHaveLength(1);
    expect(container.isRegistered(TOKENS.CrmPool)).toBe(false);
    await lifecycle.stop();
  });
});
