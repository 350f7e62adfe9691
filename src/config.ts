import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError } from './config-error.js';
import { readEnvironment, type Environment } from './config-schema.js';
import { readCrmMapping } from './crm-mapping-config.js';
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
  /** SPEC §14: the shared PostgreSQL store; null → SQLite at `sqlitePath`. */
  postgres: PostgresConfig | null;
  logLevel: Environment['LOG_LEVEL'];
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

/** SPEC §14: several instances on one PostgreSQL database. */
export interface PostgresConfig {
  /** DATABASE_URL (it may hold a password: never logged). */
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
  /** CRM_CLAIM_LEASE_S: an outbox claim not renewed for this long is taken over by another instance. */
  claimLeaseMs: number;
}

/** Hardening limits (SPEC §9). */
export interface LimitsConfig {
  /** API_ALLOWED_ORIGINS: browser origins besides the service's own allowed to call `/api/*`. */
  allowedOrigins: string[];
  bodyTimeoutMs: number;
  maxConnections: number;
  webhookMaxInflightBytes: number;
  eventsMaxClients: number;
  /** READ_CACHE_MB in bytes: API read pages kept until their rows change, at most this many bytes of them. */
  readCacheBytes: number;
  /** METRICS_TOKEN: when set, `/metrics` wants it as a bearer token. */
  metricsToken: string | null;
}

type Env = Record<string, string | undefined>;

/** Reads `.env` (if present) under the process environment: variables already set win. */
export function environment(envFile = '.env', processEnv: Env = process.env): Env {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...processEnv };
}

/**
 * Pure: the typed, validated, frozen configuration. Throws ConfigError naming the variable.
 * Each variable's type, range and default are in config-schema.ts; here they become the
 * service's settings (units in milliseconds, lists split, the CRM mapping read).
 */
export function loadConfig(env: Env): Readonly<Config> {
  const read = readEnvironment(env);
  if (!('values' in read)) throw new ConfigError(read.variable, read.problem);
  const v = read.values;
  const missing = ['CRM_MYSQL_HOST', 'CRM_MYSQL_USER', 'CRM_MYSQL_DATABASE'].filter((name) => !env[name]?.trim());
  if (v.CRM_MYSQL_POOL_MIN > v.CRM_MYSQL_POOL_MAX) {
    throw new ConfigError('CRM_MYSQL_POOL_MIN', `must not exceed CRM_MYSQL_POOL_MAX (${v.CRM_MYSQL_POOL_MAX})`);
  }
  const crm: CrmConfig = {
    requested: v.CRM_MYSQL_ENABLED,
    enabled: v.CRM_MYSQL_ENABLED && missing.length === 0,
    missing,
    host: v.CRM_MYSQL_HOST,
    port: v.CRM_MYSQL_PORT,
    user: v.CRM_MYSQL_USER,
    password: v.CRM_MYSQL_PASSWORD,
    database: v.CRM_MYSQL_DATABASE,
    table: v.CRM_MYSQL_TABLE,
    poolMin: v.CRM_MYSQL_POOL_MIN,
    poolMax: v.CRM_MYSQL_POOL_MAX,
    idleTimeoutMs: v.CRM_MYSQL_IDLE_TIMEOUT_S * 1000,
    acquireTimeoutMs: v.CRM_MYSQL_ACQUIRE_TIMEOUT_S * 1000,
    slowWriteMs: v.CRM_SLOW_WRITE_MS,
    writeTimeoutMs: v.CRM_MYSQL_WRITE_TIMEOUT_S * 1000,
    batchSize: v.CRM_BATCH_SIZE,
    maxAttempts: v.CRM_MAX_ATTEMPTS,
    retryMaxMs: v.CRM_RETRY_MAX_S * 1000,
    mapping: readCrmMapping(v.CRM_MYSQL_COLUMNS ?? null, v.CRM_MYSQL_DIRECTION_VALUES, v.CRM_MYSQL_UNSEND),
    usernameWaitMs: v.CRM_USERNAME_WAIT_S * 1000,
  };

  return deepFreeze({
    port: v.PORT,
    host: v.HOST,
    sqlitePath: v.SQLITE_PATH,
    postgres: v.DATABASE_URL
      ? { url: v.DATABASE_URL, poolMax: v.PG_POOL_MAX, statementTimeoutMs: v.PG_STATEMENT_TIMEOUT_MS, claimLeaseMs: v.CRM_CLAIM_LEASE_S * 1000 }
      : null,
    logLevel: v.LOG_LEVEL,
    logFormat: v.LOG_FORMAT,
    apiToken: v.API_TOKEN ?? null,
    instagram: {
      appSecrets: (v.IG_APP_SECRET ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      verifyToken: v.IG_VERIFY_TOKEN ?? null,
      accessToken: v.IG_ACCESS_TOKEN ?? null,
      accountId: v.IG_ACCOUNT_ID,
    },
    graph: {
      baseUrl: v.GRAPH_API_URL.replace(/\/+$/, ''),
      version: v.GRAPH_API_VERSION,
      timeoutMs: v.GRAPH_TIMEOUT_S * 1000,
      profileRefreshMs: v.PROFILE_REFRESH_H * 3_600_000,
      profileFailureRetryMs: v.PROFILE_FAILURE_RETRY_M * 60_000,
      profileLookupsPerS: v.PROFILE_LOOKUPS_PER_S,
      profileQueueMax: v.PROFILE_QUEUE_MAX,
    },
    deferredChangeTtlMs: v.DEFERRED_CHANGE_TTL_H * 3_600_000,
    tokens: {
      refreshMs: v.TOKEN_REFRESH_H * 3_600_000,
      warnMs: v.TOKEN_WARN_DAYS * 86_400_000,
    },
    crm,
    history: {
      syncIntervalMs: v.HISTORY_SYNC_INTERVAL_M * 60_000,
      callsPerSecond: v.HISTORY_CALLS_PER_S,
      silenceAlertMs: v.WEBHOOK_SILENCE_ALERT_M * 60_000,
    },
    limits: {
      allowedOrigins: origins(v.API_ALLOWED_ORIGINS ?? null),
      bodyTimeoutMs: v.HTTP_BODY_TIMEOUT_S * 1000,
      maxConnections: v.HTTP_MAX_CONNECTIONS,
      webhookMaxInflightBytes: v.WEBHOOK_MAX_INFLIGHT_BYTES,
      eventsMaxClients: v.EVENTS_MAX_CLIENTS,
      readCacheBytes: Math.round(v.READ_CACHE_MB * 1024 * 1024),
      metricsToken: v.METRICS_TOKEN ?? null,
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
