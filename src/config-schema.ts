import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The environment (SPEC §2, §9–§13), defined once: each variable's type, range, default and
 * meaning. `loadConfig` converts the strings by this schema, checks them with its compiled
 * validator and reports a refusal naming the variable; README's configuration tables are
 * checked against it by test/unit/config-schema.test.ts.
 */
const number = (fallback: number, minimum: number, maximum: number, description: string) => Type.Number({ default: fallback, minimum, maximum, description });
const whole = (fallback: number, minimum: number, maximum: number, description: string) => Type.Integer({ default: fallback, minimum, maximum, description });
const text = (fallback: string, description: string, pattern?: string, errorMessage?: string) =>
  Type.String({ default: fallback, description, ...(pattern ? { pattern } : {}), ...(errorMessage ? { errorMessage } : {}) });
const optional = (description: string) => Type.Optional(Type.String({ description }));
const secret = (description: string) => Type.Optional(Type.String({ description, writeOnly: true }));
const MAX = Number.MAX_SAFE_INTEGER;

/** A plain MySQL identifier: what CRM_MYSQL_TABLE and the mapped column names may be. */
export const PLAIN_IDENTIFIER = /^[A-Za-z0-9_$]+$/;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const Environment = Type.Object({
  PORT: whole(3000, 0, 65535, 'HTTP listen port'),
  HOST: text('0.0.0.0', 'HTTP listen address'),
  SQLITE_PATH: text('./data/igbridge.db', 'local database file (folder created; migrations run at start-up)'),
  DATABASE_URL: Type.Optional(Type.String({
    description: 'postgres://… → the store is PostgreSQL, shared by every instance; unset → SQLite at SQLITE_PATH',
    pattern: '^postgres(ql)?://', errorMessage: 'must be a postgres:// (or postgresql://) URL', writeOnly: true,
  })),
  PG_POOL_MAX: whole(10, 1, 1000, 'PostgreSQL connections per instance'),
  PG_STATEMENT_TIMEOUT_MS: whole(5000, 1, 3_600_000, 'a PostgreSQL statement running longer is cancelled'),
  CRM_CLAIM_LEASE_S: number(60, 1, 86_400, 'an outbox claim not renewed for this long is taken over by another instance'),
  LOG_LEVEL: Type.Enum([...LOG_LEVELS], { default: 'info', description: 'pino level', errorMessage: `must be one of ${LOG_LEVELS.join(', ')}` }),
  LOG_FORMAT: Type.Enum(['json', 'pretty', 'auto'], { default: 'auto', description: '`json` or `pretty`; unset: pretty on a terminal, JSON otherwise', errorMessage: 'must be json or pretty (unset: pretty on a terminal, JSON otherwise)' }),
  API_TOKEN: secret('bearer token for every /api/* route'),
  IG_APP_SECRET: secret('app secret(s) for X-Hub-Signature-256, comma-separated'),
  IG_VERIFY_TOKEN: secret("token for Meta's GET verification handshake"),
  IG_ACCESS_TOKEN: secret('Send API, profile look-up and Conversations API token'),
  IG_ACCOUNT_ID: text('me', 'Instagram account id in Graph paths', '^(me|[0-9]{1,32})$', 'must be "me" or the account\'s numeric id (1 to 32 digits)'),
  GRAPH_API_URL: text('https://graph.instagram.com', 'Graph API base', '^https?://[^/]+', 'must be an http(s) URL'),
  GRAPH_API_VERSION: text('v24.0', 'Graph API version', '^v\\d+\\.\\d+$', 'must look like v24.0'),
  GRAPH_TIMEOUT_S: number(10, 0.01, MAX, 'wait for a Graph answer (then 504)'),
  PROFILE_REFRESH_H: number(168, 0, MAX, 'username cache age'),
  PROFILE_FAILURE_RETRY_M: number(60, 0, MAX, 'how long a failed look-up is not retried'),
  PROFILE_LOOKUPS_PER_S: number(5, 0.01, 1000, 'profile look-ups started per second, at most'),
  PROFILE_QUEUE_MAX: whole(10_000, 1, 10_000_000, 'customers waiting for a look-up; beyond, looked up later'),
  DEFERRED_CHANGE_TTL_H: number(48, 0.001, MAX, 'a change whose message never arrived is dropped after this many hours'),
  // Meta refreshes a token only once it is 24 h old; a long-lived one lasts 60 days, so past 50 it could lapse.
  TOKEN_REFRESH_H: number(24, 24, 1200, "a token is refreshed once it is this old (Meta refuses younger than 24 h)"),
  TOKEN_WARN_DAYS: number(7, 0, 59, 'below this much time left, a token is expiring (/readyz, the inbox banner, a metric)'),
  CRM_MYSQL_ENABLED: Type.Boolean({ default: false, description: 'true turns the CRM mirror on (host, user, database required)' }),
  CRM_MYSQL_HOST: text('', 'CRM MySQL host'),
  CRM_MYSQL_PORT: whole(3306, 1, 65535, 'CRM MySQL port'),
  CRM_MYSQL_USER: text('', 'CRM MySQL user'),
  CRM_MYSQL_PASSWORD: Type.String({ default: '', description: 'CRM MySQL password', writeOnly: true }),
  CRM_MYSQL_DATABASE: text('', 'CRM database'),
  CRM_MYSQL_TABLE: text('messages', 'CRM table', PLAIN_IDENTIFIER.source, 'must be a plain table name (letters, digits, _ and $)'),
  CRM_MYSQL_POOL_MIN: whole(1, 0, 100, 'connections kept open'),
  CRM_MYSQL_POOL_MAX: whole(5, 1, 100, 'connections at most'),
  CRM_MYSQL_IDLE_TIMEOUT_S: number(3600, 0.1, MAX, 'idle connections older than this are recycled'),
  CRM_MYSQL_ACQUIRE_TIMEOUT_S: number(30, 0.01, MAX, 'wait for a free connection, then fail (retried later)'),
  CRM_SLOW_WRITE_MS: whole(5000, 1, 3_600_000, 'a CRM write still running after this logs a warning; /readyz says slow'),
  CRM_MYSQL_WRITE_TIMEOUT_S: number(60, 0.01, MAX, 'a write with no answer is abandoned (outcome unknown, checked before retrying)'),
  CRM_BATCH_SIZE: whole(500, 1, 5000, 'rows per multi-row INSERT while a backlog drains'),
  CRM_MAX_ATTEMPTS: whole(8, 1, 1000, 'attempts before a row the CRM rejects is marked failed'),
  CRM_RETRY_MAX_S: number(60, 0.01, MAX, 'longest back-off between retries while the CRM is down'),
  CRM_MYSQL_COLUMNS: optional('field=column,...: which CRM column gets what'),
  CRM_MYSQL_DIRECTION_VALUES: text('in,out', 'the values written for inbound and outbound'),
  CRM_MYSQL_UNSEND: text('keep', 'with mid mapped: keep the text of an unsent message, or blank it'),
  CRM_USERNAME_WAIT_S: number(2, 0, 3600, "a CRM row waits this long for its customer's pending look-up"),
  HISTORY_SYNC_INTERVAL_M: number(15, 0, 10_080, 'minutes between reconciliation passes (0 = off)'),
  HISTORY_CALLS_PER_S: number(2, 0.01, 1000, 'Conversations API calls per second at most'),
  WEBHOOK_SILENCE_ALERT_M: number(30, 0, 10_080, 'a pass recovering messages this much newer than the last webhook → webhooks.state silent'),
  API_ALLOWED_ORIGINS: optional('browser origins besides the service\'s own allowed to call /api/* (comma list)'),
  HTTP_BODY_TIMEOUT_S: number(10, 0.01, 3600, 'a request body must arrive within this, else 408'),
  HTTP_MAX_CONNECTIONS: whole(1000, 1, 1_000_000, 'open connections at most'),
  WEBHOOK_MAX_INFLIGHT_BYTES: whole(32 * 1024 * 1024, 1024 * 1024, MAX, 'webhook bodies buffered at once; beyond, 503 + Retry-After'),
  EVENTS_MAX_CLIENTS: whole(50, 0, 100_000, 'concurrent /api/events streams; beyond, 503 too_many_streams'),
  READ_CACHE_MB: number(32, 0, 65_536, 'memory for API read pages kept until their rows change (0: none kept)'),
  METRICS_TOKEN: secret('when set, /metrics wants it as a bearer token'),
});

export type Environment = Static<typeof Environment>;

type Described = { type?: string; default?: unknown; minimum?: number; maximum?: number; errorMessage?: string; description?: string };
/** Each variable's schema, as plain JSON Schema. */
export const VARIABLES = Environment.properties as unknown as Record<string, Described>;

const check = Compile(Environment);
const BOOLEANS: Record<string, boolean> = { true: true, 1: true, yes: true, on: true, false: false, 0: false, no: false, off: false };
const DECIMAL = /^\d+(\.\d+)?$/;

/** One variable the environment has wrong, and what it should be. */
export interface EnvironmentProblem {
  variable: string;
  problem: string;
}

/**
 * The process environment → the typed variables, defaults filled in; or the first variable
 * that is wrong. Values are trimmed; an empty one counts as unset. Numbers are digits with an
 * optional fraction (no sign, no exponent); booleans true/false, 1/0, yes/no, on/off.
 */
export function readEnvironment(env: Record<string, string | undefined>): { values: Environment } | EnvironmentProblem {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(VARIABLES)) {
    const raw = env[name]?.trim();
    if (!raw) {
      if (schema.default !== undefined) values[name] = schema.default;
      continue;
    }
    if (schema.type === 'number' || schema.type === 'integer') values[name] = DECIMAL.test(raw) ? Number(raw) : raw;
    else if (schema.type === 'boolean') values[name] = BOOLEANS[raw.toLowerCase()] ?? raw;
    else values[name] = raw;
  }
  if (check.Check(values)) return { values };
  const [error] = check.Errors(values);
  const variable = error!.instancePath.slice(1);
  return { variable, problem: `${expectation(VARIABLES[variable]!)}, got "${env[variable]}"` };
}

function expectation(schema: Described): string {
  if (typeof schema.errorMessage === 'string') return schema.errorMessage;
  if (schema.type === 'boolean') return 'must be true or false';
  const kind = schema.type === 'integer' ? 'a whole number' : 'a number';
  return schema.maximum === MAX ? `must be ${kind} of at least ${schema.minimum}` : `must be ${kind} from ${schema.minimum} to ${schema.maximum}`;
}
