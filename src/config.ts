import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { isMetaId } from './domain/meta-id.js';
import { ConfigError } from './config-error.js';
import { PLAIN_IDENTIFIER, readCrmMapping } from './crm-mapping-config.js';
import type { CrmMapping } from './domain/crm-mapping.js';

export { ConfigError };

export interface CrmConfig {
  /** CRM_MYSQL_ENABLED as set. */
  requested: boolean;
  /** Whether the mirror runs: requested, and the CRM's location is complete. */
  enabled: boolean;
  /** Which of CRM_MYSQL_HOST, CRM_MYSQL_USER, CRM_MYSQL_DATABASE are not set (the mirror and the backfill need all three). */
  missing: string[];
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  table: string;
  poolMin: number;
  poolMax: number;
  idleTimeoutMs: number;
  acquireTimeoutMs: number;
  slowWriteMs: number;
  writeTimeoutMs: number;
  batchSize: number;
  maxAttempts: number;
  /** Longest wait between CRM retries (exponential back-off from 0.5 s). */
  retryMaxMs: number;
  /** Which CRM column gets what (SPEC §10); unset variables give the seed's five columns. */
  mapping: CrmMapping;
  /** CRM_USERNAME_WAIT_S: how long a CRM row waits for its customer's pending profile look-up. */
  usernameWaitMs: number;
}

export interface Config {
  port: number;
  host: string;
  sqlitePath: string;
  logLevel: string;
  /** LOG_FORMAT: `json`, `pretty`, or unset = pretty when stdout is a terminal, JSON otherwise. */
  logFormat: 'json' | 'pretty' | 'auto';
  apiToken: string | null;
  instagram: {
    appSecrets: string[];
    verifyToken: string | null;
    accessToken: string | null;
    accountId: string;
  };
  graph: {
    baseUrl: string;
    version: string;
    timeoutMs: number;
    profileRefreshMs: number;
    profileFailureRetryMs: number;
    /** PROFILE_LOOKUPS_PER_S: profile look-ups started per second, at most. */
    profileLookupsPerS: number;
    /** PROFILE_QUEUE_MAX: customers waiting for a look-up; beyond, looked up later. */
    profileQueueMax: number;
  };
  /** DEFERRED_CHANGE_TTL_H: a change whose message never came is dropped after this. */
  deferredChangeTtlMs: number;
  /** SPEC §12: the accounts' access tokens. */
  tokens: {
    /** TOKEN_REFRESH_H: a token is refreshed once it is this old (never before 24 h: Meta refuses younger ones). */
    refreshMs: number;
    /** TOKEN_WARN_DAYS: below this much time left, a token is `expiring`. */
    warnMs: number;
  };
  crm: CrmConfig;
  /** SPEC §11: the Conversations API walks and the webhook silence alarm. */
  history: {
    /** Between reconciliation passes; 0 = off (also off without IG_ACCESS_TOKEN). */
    syncIntervalMs: number;
    callsPerSecond: number;
    silenceAlertMs: number;
  };
  limits: LimitsConfig;
}

/** Hardening limits (SPEC §9). */
export interface LimitsConfig {
  /** API_ALLOWED_ORIGINS: browser origins besides the service's own allowed to call `/api/*`. */
  allowedOrigins: string[];
  bodyTimeoutMs: number;
  maxConnections: number;
  webhookMaxInflightBytes: number;
  eventsMaxClients: number;
  /** METRICS_TOKEN: when set, `/metrics` wants it as a bearer token. */
  metricsToken: string | null;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads `.env` (if present) under the process environment: variables already set win. */
export function environment(envFile = '.env', processEnv: Env = process.env): Env {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...processEnv };
}

/** Pure: the typed, validated, frozen configuration. Throws ConfigError naming the variable. */
export function loadConfig(env: Env): Readonly<Config> {
  const read = reader(env);
  const requested = read.bool('CRM_MYSQL_ENABLED', false);
  const missing = ['CRM_MYSQL_HOST', 'CRM_MYSQL_USER', 'CRM_MYSQL_DATABASE'].filter((name) => !env[name]?.trim());
  const crm: CrmConfig = {
    requested,
    enabled: requested && missing.length === 0,
    missing,
    host: read.str('CRM_MYSQL_HOST', ''),
    port: read.int('CRM_MYSQL_PORT', 3306, 1, 65535),
    user: read.str('CRM_MYSQL_USER', ''),
    password: read.str('CRM_MYSQL_PASSWORD', ''),
    database: read.str('CRM_MYSQL_DATABASE', ''),
    table: read.str('CRM_MYSQL_TABLE', 'messages'),
    poolMin: read.int('CRM_MYSQL_POOL_MIN', 1, 0, 100),
    poolMax: read.int('CRM_MYSQL_POOL_MAX', 5, 1, 100),
    idleTimeoutMs: read.num('CRM_MYSQL_IDLE_TIMEOUT_S', 3600, 0.1) * 1000,
    acquireTimeoutMs: read.num('CRM_MYSQL_ACQUIRE_TIMEOUT_S', 30, 0.01) * 1000,
    slowWriteMs: read.int('CRM_SLOW_WRITE_MS', 5000, 1, 3_600_000),
    writeTimeoutMs: read.num('CRM_MYSQL_WRITE_TIMEOUT_S', 60, 0.01) * 1000,
    batchSize: read.int('CRM_BATCH_SIZE', 500, 1, 5000),
    maxAttempts: read.int('CRM_MAX_ATTEMPTS', 8, 1, 1000),
    retryMaxMs: read.num('CRM_RETRY_MAX_S', 60, 0.01) * 1000,
    mapping: readCrmMapping(read.optional('CRM_MYSQL_COLUMNS'), read.optional('CRM_MYSQL_DIRECTION_VALUES'), read.optional('CRM_MYSQL_UNSEND')),
    usernameWaitMs: read.num('CRM_USERNAME_WAIT_S', 2, 0, 3600) * 1000,
  };
  if (crm.poolMin > crm.poolMax) {
    throw new ConfigError('CRM_MYSQL_POOL_MIN', `must not exceed CRM_MYSQL_POOL_MAX (${crm.poolMax})`);
  }
  if (!PLAIN_IDENTIFIER.test(crm.table)) {
    throw new ConfigError('CRM_MYSQL_TABLE', 'must be a plain table name (letters, digits, _ and $)');
  }

  const logLevel = read.str('LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const logFormat = read.str('LOG_FORMAT', 'auto');
  if (!['json', 'pretty', 'auto'].includes(logFormat)) throw new ConfigError('LOG_FORMAT', 'must be json or pretty (unset: pretty on a terminal, JSON otherwise)');
  const graphUrl = read.str('GRAPH_API_URL', 'https://graph.instagram.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(graphUrl)) throw new ConfigError('GRAPH_API_URL', 'must be an http(s) URL');
  const accountId = read.str('IG_ACCOUNT_ID', 'me');
  if (accountId !== 'me' && !isMetaId(accountId)) throw new ConfigError('IG_ACCOUNT_ID', 'must be "me" or the account\'s numeric id (1 to 32 digits)');
  const graphVersion = read.str('GRAPH_API_VERSION', 'v24.0');
  if (!/^v\d+\.\d+$/.test(graphVersion)) throw new ConfigError('GRAPH_API_VERSION', 'must look like v24.0');

  return deepFreeze({
    port: read.int('PORT', 3000, 0, 65535),
    host: read.str('HOST', '0.0.0.0'),
    sqlitePath: read.str('SQLITE_PATH', './data/igbridge.db'),
    logLevel,
    logFormat: logFormat as Config['logFormat'],
    apiToken: read.optional('API_TOKEN'),
    instagram: {
      appSecrets: (read.optional('IG_APP_SECRET') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      verifyToken: read.optional('IG_VERIFY_TOKEN'),
      accessToken: read.optional('IG_ACCESS_TOKEN'),
      accountId,
    },
    graph: {
      baseUrl: graphUrl,
      version: graphVersion,
      timeoutMs: read.num('GRAPH_TIMEOUT_S', 10, 0.01) * 1000,
      profileRefreshMs: read.num('PROFILE_REFRESH_H', 168, 0) * 3_600_000,
      profileFailureRetryMs: read.num('PROFILE_FAILURE_RETRY_M', 60, 0) * 60_000,
      profileLookupsPerS: read.num('PROFILE_LOOKUPS_PER_S', 5, 0.01, 1000),
      profileQueueMax: read.int('PROFILE_QUEUE_MAX', 10_000, 1, 10_000_000),
    },
    deferredChangeTtlMs: read.num('DEFERRED_CHANGE_TTL_H', 48, 0.001) * 3_600_000,
    tokens: {
      // Meta refreshes a token only once it is 24 h old; a long-lived one lasts 60 days, so past 50 it could lapse.
      refreshMs: read.num('TOKEN_REFRESH_H', 24, 24, 1200) * 3_600_000,
      warnMs: read.num('TOKEN_WARN_DAYS', 7, 0, 59) * 86_400_000,
    },
    crm,
    history: {
      syncIntervalMs: read.num('HISTORY_SYNC_INTERVAL_M', 15, 0, 10_080) * 60_000,
      callsPerSecond: read.num('HISTORY_CALLS_PER_S', 2, 0.01, 1000),
      silenceAlertMs: read.num('WEBHOOK_SILENCE_ALERT_M', 30, 0, 10_080) * 60_000,
    },
    limits: {
      allowedOrigins: origins(read.optional('API_ALLOWED_ORIGINS')),
      bodyTimeoutMs: read.num('HTTP_BODY_TIMEOUT_S', 10, 0.01, 3600) * 1000,
      maxConnections: read.int('HTTP_MAX_CONNECTIONS', 1000, 1, 1_000_000),
      webhookMaxInflightBytes: read.int('WEBHOOK_MAX_INFLIGHT_BYTES', 32 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER),
      eventsMaxClients: read.int('EVENTS_MAX_CLIENTS', 50, 0, 100_000),
      metricsToken: read.optional('METRICS_TOKEN'),
    },
  });
}

/** `https://a.example, http://localhost:8080` → their canonical origins; anything that is not an origin stops start-up. */
function origins(list: string | null): string[] {
  return (list ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username) {
      throw new ConfigError('API_ALLOWED_ORIGINS', `"${entry}" is not an origin like https://crm.example.com (scheme, host and port only)`);
    }
    return url.origin;
  });
}

function reader(env: Env) {
  const optional = (name: string): string | null => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const num = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = optional(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) {
      throw new ConfigError(name, `must be a number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  return {
    optional,
    num,
    str: (name: string, fallback: string) => optional(name) ?? fallback,
    int: (name: string, fallback: number, min: number, max: number) => {
      const value = num(name, fallback, min, max);
      if (!Number.isInteger(value)) throw new ConfigError(name, `must be a whole number, got "${env[name]}"`);
      return value;
    },
    bool: (name: string, fallback: boolean) => {
      const raw = optional(name)?.toLowerCase();
      if (raw === undefined) return fallback;
      if (['true', '1', 'yes', 'on'].includes(raw)) return true;
      if (['false', '0', 'no', 'off'].includes(raw)) return false;
      throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
