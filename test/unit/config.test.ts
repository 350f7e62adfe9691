import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, environment, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('when nothing is set, then the SPEC defaults apply', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      sqlitePath: './data/igbridge.db',
      logLevel: 'info',
      apiToken: null,
      instagram: { appSecrets: [], accountId: 'me' },
      graph: { baseUrl: 'https://graph.instagram.com', profileLookupsPerS: 5, profileQueueMax: 10_000 },
      crm: { enabled: false, port: 3306, table: 'messages', poolMin: 1, poolMax: 5, idleTimeoutMs: 3_600_000, acquireTimeoutMs: 30_000, slowWriteMs: 5000, writeTimeoutMs: 60_000, usernameWaitMs: 2_000 },
      deferredChangeTtlMs: 48 * 3_600_000,
    });
    expect(config.graph.version).toMatch(/^v\d+\.0$/);
    expect(config.history).toEqual({ syncIntervalMs: 15 * 60_000, callsPerSecond: 2, silenceAlertMs: 30 * 60_000 });
  });

  it('when the history variables are set, then fractions of minutes are allowed and 0 turns the sync off', () => {
    expect(loadConfig({ HISTORY_SYNC_INTERVAL_M: '0.05', HISTORY_CALLS_PER_S: '0.5', WEBHOOK_SILENCE_ALERT_M: '5' }).history).toEqual({ syncIntervalMs: 3000, callsPerSecond: 0.5, silenceAlertMs: 300_000 });
    expect(loadConfig({ HISTORY_SYNC_INTERVAL_M: '0' }).history.syncIntervalMs).toBe(0);
  });

  it('when the token variables are unset or set, then a token is refreshed every 24 h and warned about under 7 days left, or as they say', () => {
    expect(loadConfig({}).tokens).toEqual({ refreshMs: 24 * 3_600_000, warnMs: 7 * 86_400_000 });
    expect(loadConfig({ TOKEN_REFRESH_H: '72', TOKEN_WARN_DAYS: '14' }).tokens).toEqual({ refreshMs: 72 * 3_600_000, warnMs: 14 * 86_400_000 });
  });

  it('when IG_APP_SECRET lists several secrets, then each is kept', () => {
    expect(loadConfig({ IG_APP_SECRET: 'a, b ,c' }).instagram.appSecrets).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['CRM_MYSQL_ENABLED', 'maybe'],
    ['CRM_MYSQL_POOL_MAX', '0'],
    ['CRM_MYSQL_ACQUIRE_TIMEOUT_S', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['GRAPH_API_URL', 'graph.instagram.com'],
    ['CRM_MYSQL_TABLE', 'messages; DROP TABLE x'],
    ['PROFILE_LOOKUPS_PER_S', '0'],
    ['PROFILE_QUEUE_MAX', '1.5'],
    ['CRM_USERNAME_WAIT_S', 'soon'],
    ['DEFERRED_CHANGE_TTL_H', '0'],
    ['HISTORY_SYNC_INTERVAL_M', 'often'],
    ['HISTORY_CALLS_PER_S', '0'],
    ['WEBHOOK_SILENCE_ALERT_M', '-5'],
    ['TOKEN_REFRESH_H', '12'],
    ['TOKEN_REFRESH_H', '2000'],
    ['TOKEN_WARN_DAYS', '60'],
  ])('when %s=%s, then start-up stops naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  it('when the pool minimum exceeds the maximum, then CRM_MYSQL_POOL_MIN is named', () => {
    expect(() => loadConfig({ CRM_MYSQL_POOL_MIN: '6', CRM_MYSQL_POOL_MAX: '5' })).toThrow(/^CRM_MYSQL_POOL_MIN/);
  });

  it('when the CRM is enabled without host, user and database, then the mirror is off and they are named', () => {
    const config = loadConfig({ CRM_MYSQL_ENABLED: 'true', CRM_MYSQL_USER: 'crm' });
    expect(config.crm.enabled).toBe(false);
    expect(config.crm.missing).toEqual(['CRM_MYSQL_HOST', 'CRM_MYSQL_DATABASE']);
  });

  it('when the CRM is enabled with every setting, then the mirror is on', () => {
    const config = loadConfig({ CRM_MYSQL_ENABLED: 'true', CRM_MYSQL_HOST: 'db', CRM_MYSQL_USER: 'u', CRM_MYSQL_DATABASE: 'crm' });
    expect(config.crm).toMatchObject({ enabled: true, missing: [] });
  });

  it('when the config is loaded, then it cannot be changed', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.crm)).toBe(true);
  });

  it('when .env and the process both set a variable, then the process wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'igbridge-env-'));
    writeFileSync(join(dir, '.env'), 'PORT=4000\nLOG_LEVEL=debug\n# comment\nAPI_TOKEN="quoted token"\n');
    const env = environment(join(dir, '.env'), { PORT: '5000' });
    expect(loadConfig(env)).toMatchObject({ port: 5000, logLevel: 'debug', apiToken: 'quoted token' });
  });

  it('when there is no .env, then only the process environment counts', () => {
    expect(environment('/nonexistent/.env', { PORT: '1234' })).toEqual({ PORT: '1234' });
  });
});
