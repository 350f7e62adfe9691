import 'reflect-metadata';
import type { Logger } from 'pino';
import { instanceCachingFactory, container as root, type DependencyContainer, type FactoryProvider } from 'tsyringe';
import { GraphAccountApi } from './adapters/graph/graph-account-api.js';
import { GraphConversationHistory } from './adapters/graph/graph-conversation-history.js';
import { GraphMessageSender } from './adapters/graph/graph-message-sender.js';
import { GraphProfileLookup } from './adapters/graph/graph-profile-lookup.js';
import { HistorySync } from './adapters/history/history-sync.js';
import { LocalClusterLock } from './adapters/local/local-cluster-lock.js';
import { LocalLookupPace } from './adapters/local/local-lookup-pace.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { openPostgres, migratePostgres, type PgDb } from './adapters/postgres/database.js';
import { PgAccountStore } from './adapters/postgres/pg-account-store.js';
import { PgChangeFeed } from './adapters/postgres/pg-change-feed.js';
import { PgClusterLock } from './adapters/postgres/pg-cluster-lock.js';
import { PgConversationReader } from './adapters/postgres/pg-conversation-reader.js';
import { PgCrmOutbox } from './adapters/postgres/pg-crm-outbox.js';
import { driverError, isUnavailable } from './adapters/postgres/pg-errors.js';
import { PgHistoryCheckpoints } from './adapters/postgres/pg-history-checkpoints.js';
import { PgLookupPace } from './adapters/postgres/pg-lookup-pace.js';
import { PgMessageStore } from './adapters/postgres/pg-message-store.js';
import { PgProfileCache } from './adapters/postgres/pg-profile-cache.js';
import { InProcessChangeFeed } from './adapters/live/in-process-change-feed.js';
import { ObservedMessageStore } from './adapters/live/observed-message-store.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus-metrics.js';
import { NoOpMessageMirror } from './adapters/mirror/noop-message-mirror.js';
import { CrmPool } from './adapters/mysql/crm-pool.js';
import { MysqlMessageMirror } from './adapters/mysql/mysql-message-mirror.js';
import { UnknownProfileLookup } from './adapters/profile/unknown-profile-lookup.js';
import { openSqlite } from './adapters/sqlite/database.js';
import { SqliteAccountStore } from './adapters/sqlite/sqlite-account-store.js';
import { SqliteConversationReader } from './adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteCrmOutbox } from './adapters/sqlite/sqlite-crm-outbox.js';
import { SqliteHistoryCheckpoints } from './adapters/sqlite/sqlite-history-checkpoints.js';
import { SqliteMessageStore } from './adapters/sqlite/sqlite-message-store.js';
import { SqliteProfileCache } from './adapters/sqlite/sqlite-profile-cache.js';
import { AccountViews } from './application/account-views.js';
import { AddAccount } from './application/add-account.js';
import { DisabledCrmStatus } from './application/crm-mirror/disabled-crm-status.js';
import { MirrorCrmStatus } from './application/crm-mirror/mirror-crm-status.js';
import { DOUBT_RECHECK_MS, type MirrorOptions } from './application/crm-mirror/mirror-pending-messages.js';
import { NonBlockingMirror } from './application/crm-mirror/non-blocking-mirror.js';
import { ImportHistory } from './application/import-history.js';
import { ProfileLookupBudget } from './application/profile-lookup-budget.js';
import type { CrmStatus } from './application/ports/crm-status.js';
import { ReceiveMessage } from './application/receive-message.js';
import { RefreshTokens } from './application/refresh-tokens.js';
import { RegisterEnvAccount } from './application/register-env-account.js';
import { SendMessage } from './application/send-message.js';
import { TokenAlerts } from './application/token-alerts.js';
import { TokenBook } from './application/token-book.js';
import { TokenSchedule } from './application/token-schedule.js';
import { UnknownAccounts } from './application/unknown-accounts.js';
import { WebhookWatch } from './application/webhook-watch.js';
import type { Config, PostgresConfig } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { sqliteFiles, warnLooseModes } from './private-files.js';
import { TOKENS } from './tokens.js';

export interface ContainerOptions {
  clock?: Clock;
  /**
   * For a tool that only stores messages (`npm run history:import`): no background work of
   * its own — the no-op mirror (the service mirrors what it stored, `pending`), no look-ups.
   */
  storeOnly?: boolean;
  /** SQLite's busy_timeout: a command-line tool waits longer for a lock (it answers nobody). */
  sqliteBusyTimeoutMs?: number;
  /** How often identical CRM failures are summarised during an outage (default one line a minute). */
  outageSummaryMs?: number;
  /** How often the token refresh pass runs (default hourly; tests with an injected clock: often). */
  tokenCheckMs?: number;
}

/**
 * The composition root, for the service and every CLI: the only file that picks adapters (and
 * the no-op mirror). It only wires: each part is made on first use and nothing starts here —
 * `Lifecycle` (lifecycle.ts) starts and stops. A fresh child container per service, CLI run and test.
 */
export function buildContainer(config: Config, logger: Logger, options: ContainerOptions = {}): DependencyContainer {
  const c = root.createChildContainer();
  c.register(TOKENS.Opened, { useValue: new Set<symbol>() });
  c.register(TOKENS.Config, { useValue: config });
  c.register(TOKENS.Logger, { useValue: logger });
  c.register(TOKENS.Clock, { useValue: options.clock ?? systemClock });
  const metrics = new PrometheusMetrics();
  metrics.watchBacklog(() => c.resolve<CrmStatus>(TOKENS.CrmStatus).status());
  metrics.watchAccounts(() => c.resolve<AccountViews>(TOKENS.AccountViews).list(), () => c.resolve<Clock>(TOKENS.Clock).now());
  c.register(TOKENS.Metrics, { useValue: metrics });
  c.register(TOKENS.MetricsExporter, { useValue: metrics });
  // The store, the source of truth: SQLite, or PostgreSQL shared by every instance (SPEC §14).
  if (config.postgres) registerPostgres(c, config, config.postgres, logger);
  else registerSqlite(c, config, logger, options);
  // Commits are counted (by direction) and announced to open inboxes (and, on PostgreSQL, to the other instances').
  c.register(TOKENS.MessageStore, once(TOKENS.MessageStore, (x) =>
    new ObservedMessageStore(x.resolve(TOKENS.StoreWriter), x.resolve(TOKENS.Metrics), x.resolve(TOKENS.ChangeFeed))));

  registerAccounts(c, config, logger.child({ component: 'accounts' }), options);
  // Meta's Graph API, each call with the token of its account (SPEC §12): without any account,
  // sends are refused (503) and usernames stay unknown (the CRM gets the user id).
  if (!options.storeOnly) {
    c.register(TOKENS.ProfileLookup, once(TOKENS.ProfileLookup, (x) => x.resolve(GraphProfileLookup)));
  } else {
    c.register(TOKENS.ProfileLookup, { useValue: new UnknownProfileLookup() });
  }
  // Look-ups on a budget (PROFILE_LOOKUPS_PER_S, PROFILE_QUEUE_MAX): a flood of new customers
  // neither crowds the event loop nor spends the Graph rate limit the Send API needs.
  c.register(TOKENS.Usernames, once(TOKENS.Usernames, (x) =>
    new ProfileLookupBudget(x.resolve(TOKENS.ProfileLookup), x.resolve(TOKENS.Clock), x.resolve(TOKENS.Metrics), { perSecond: config.graph.profileLookupsPerS, queueMax: config.graph.profileQueueMax }, x.resolve(TOKENS.LookupPace))));
  c.register(TOKENS.MessageSender, once(TOKENS.MessageSender, (x) => x.resolve(GraphMessageSender)));

  registerCrm(c, config, logger.child({ component: 'crm' }), options);
  registerHistory(c, config, logger.child({ component: 'history' }));
  c.register(TOKENS.ReceiveMessage, once(TOKENS.ReceiveMessage, (x) => x.resolve(ReceiveMessage)));
  c.register(TOKENS.SendMessage, once(TOKENS.SendMessage, (x) => x.resolve(SendMessage)));
  return c;
}

/**
 * What the service awaits before it answers (Lifecycle.open): SQLite opens and migrates when first
 * used; PostgreSQL is migrated (one instance at a time), read for what start-up needs, and its
 * listening connection opened.
 */
export interface StoreOpening {
  open(): Promise<void>;
  /** When the newest message a webhook brought was received (the silence alarm's memory); after open(). */
  lastWebhookAt(): number | null;
}

/** How long start-up waits for PostgreSQL to answer before it gives up (the process exits 1). */
const POSTGRES_START_WAIT_MS = 30_000;

/** One instance, one file: SQLite at SQLITE_PATH, and the in-process cluster parts (a cluster of one). */
function registerSqlite(c: DependencyContainer, config: Config, logger: Logger, options: ContainerOptions): void {
  c.register(TOKENS.SqliteDatabase, once(TOKENS.SqliteDatabase, () => {
    const db = openSqlite(config.sqlitePath, options.sqliteBusyTimeoutMs);
    warnLooseModes(sqliteFiles(config.sqlitePath), logger);
    return db;
  }));
  c.register(TOKENS.StoreWriter, once(TOKENS.StoreWriter, (x) => x.resolve(SqliteMessageStore)));
  c.register(TOKENS.ConversationReader, once(TOKENS.ConversationReader, (x) => x.resolve(SqliteConversationReader)));
  c.register(TOKENS.ProfileCache, once(TOKENS.ProfileCache, (x) => x.resolve(SqliteProfileCache)));
  c.register(TOKENS.AccountStore, once(TOKENS.AccountStore, (x) => x.resolve(SqliteAccountStore)));
  c.register(TOKENS.CrmOutbox, once(TOKENS.CrmOutbox, (x) => new SqliteCrmOutbox(x.resolve(TOKENS.SqliteDatabase))));
  c.register(TOKENS.HistoryCheckpoints, once(TOKENS.HistoryCheckpoints, (x) => new SqliteHistoryCheckpoints(x.resolve(TOKENS.SqliteDatabase), x.resolve(TOKENS.Clock))));
  c.register(TOKENS.StoreOpening, once(TOKENS.StoreOpening, (x): StoreOpening => ({
    open: async () => void x.resolve(TOKENS.SqliteDatabase),
    lastWebhookAt: () => x.resolve<SqliteHistoryCheckpoints>(TOKENS.HistoryCheckpoints).lastWebhookAt(),
  })));
  c.register(TOKENS.ChangeFeed, { useValue: new InProcessChangeFeed() });
  c.register(TOKENS.ClusterLock, { useValue: new LocalClusterLock() });
  c.register(TOKENS.LookupPace, { useValue: new LocalLookupPace() });
}

/**
 * SPEC §14: every instance on one PostgreSQL database — the store, the shared outbox (claims under
 * this instance's id), live updates through LISTEN/NOTIFY, the history pass under an advisory
 * lock, the look-up pace in one row.
 */
function registerPostgres(c: DependencyContainer, config: Config, pg: PostgresConfig, logger: Logger): void {
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = logger.child({ component: 'postgresql' });
  c.register(TOKENS.PostgresDatabase, once(TOKENS.PostgresDatabase, (x) => {
    const db = openPostgres(pg.url, { poolMax: pg.poolMax, statementTimeoutMs: pg.statementTimeoutMs, logger: log });
    const pool = db.$client;
    x.resolve<PrometheusMetrics>(TOKENS.Metrics).watchStorePool(() => ({ open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }));
    return db;
  }));
  const db = (x: DependencyContainer) => x.resolve<PgDb>(TOKENS.PostgresDatabase);
  c.register(TOKENS.StoreWriter, once(TOKENS.StoreWriter, (x) => x.resolve(PgMessageStore)));
  c.register(TOKENS.ConversationReader, once(TOKENS.ConversationReader, (x) => x.resolve(PgConversationReader)));
  c.register(TOKENS.ProfileCache, once(TOKENS.ProfileCache, (x) => new PgProfileCache(db(x), x.resolve(TOKENS.Clock))));
  c.register(TOKENS.AccountStore, once(TOKENS.AccountStore, (x) => new PgAccountStore(db(x))));
  c.register(TOKENS.CrmOutbox, once(TOKENS.CrmOutbox, (x) =>
    new PgCrmOutbox(db(x), x.resolve(TOKENS.Clock), { instanceId, leaseMs: pg.claimLeaseMs, writeTimeoutMs: config.crm.writeTimeoutMs })));
  c.register(TOKENS.HistoryCheckpoints, once(TOKENS.HistoryCheckpoints, (x) => new PgHistoryCheckpoints(db(x), x.resolve(TOKENS.Clock))));
  c.register(TOKENS.ChangeFeed, once(TOKENS.ChangeFeed, (x) => new PgChangeFeed(new InProcessChangeFeed(), db(x).$client, pg.url, instanceId, log)));
  c.register(TOKENS.ClusterLock, once(TOKENS.ClusterLock, (x) => new PgClusterLock(db(x).$client)));
  c.register(TOKENS.LookupPace, once(TOKENS.LookupPace, (x) => new PgLookupPace(db(x).$client)));
  let lastWebhookAt: number | null = null;
  c.register(TOKENS.StoreOpening, once(TOKENS.StoreOpening, (x): StoreOpening => ({
    open: async () => {
      await migrateWhenUp(db(x), log);
      lastWebhookAt = await x.resolve<PgHistoryCheckpoints>(TOKENS.HistoryCheckpoints).lastWebhookAt();
      await x.resolve<PgChangeFeed>(TOKENS.ChangeFeed).start();
      log.info({ instance: instanceId, poolMax: pg.poolMax }, 'store: PostgreSQL (DATABASE_URL), shared by every instance');
    },
    lastWebhookAt: () => lastWebhookAt,
  })));
}

/** Migrates once PostgreSQL answers: a start while it restarts waits, up to POSTGRES_START_WAIT_MS. */
async function migrateWhenUp(db: PgDb, log: Logger): Promise<void> {
  const deadline = Date.now() + POSTGRES_START_WAIT_MS;
  for (let wait = 500; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      return await migratePostgres(db);
    } catch (error) {
      const cause = driverError(error);
      if (!isUnavailable(cause) || Date.now() + wait > deadline) {
        throw new Error(`PostgreSQL (DATABASE_URL) could not be prepared: ${(cause as Error).message}`);
      }
      log.warn({ err: { code: (cause as { code?: string }).code, message: (cause as Error).message }, retryInMs: wait }, 'PostgreSQL does not answer yet; start-up waits');
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * SPEC §12: the accounts and their tokens in SQLite, Meta's answers about tokens, the token a
 * Graph call uses, the env pair as an account, and the refresh schedule (started by Lifecycle).
 */
function registerAccounts(c: DependencyContainer, config: Config, log: Logger, options: ContainerOptions): void {
  c.register(TOKENS.AccountGraph, once(TOKENS.AccountGraph, (x) => x.resolve(GraphAccountApi)));
  c.register(TokenAlerts, { useFactory: instanceCachingFactory((x) => new TokenAlerts(x.resolve(TOKENS.Clock), log)) });
  c.register(TOKENS.AccountTokens, once(TOKENS.AccountTokens, (x) =>
    new TokenBook(x.resolve(TOKENS.AccountStore), x.resolve(TOKENS.ConversationReader), x.resolve(TOKENS.Clock), log, config, x.resolve(TokenAlerts))));
  c.register(TOKENS.AccountViews, once(TOKENS.AccountViews, (x) => x.resolve(AccountViews)));
  c.register(TOKENS.AddAccount, once(TOKENS.AddAccount, (x) => x.resolve(AddAccount)));
  c.register(TOKENS.RegisterEnvAccount, once(TOKENS.RegisterEnvAccount, (x) =>
    new RegisterEnvAccount(config, x.resolve(TOKENS.AccountStore), x.resolve(TOKENS.AccountGraph), x.resolve(TOKENS.Clock), log)));
  c.register(TOKENS.UnknownAccounts, once(TOKENS.UnknownAccounts, (x) => new UnknownAccounts(x.resolve(TOKENS.AccountStore), x.resolve(TOKENS.Metrics), log)));
  c.register(TOKENS.TokenSchedule, once(TOKENS.TokenSchedule, (x) => {
    const refresh = new RefreshTokens(
      x.resolve(TOKENS.AccountStore), x.resolve(TOKENS.AccountGraph), x.resolve(TOKENS.AccountTokens), x.resolve(TokenAlerts),
      x.resolve(TOKENS.Metrics), x.resolve(TOKENS.Clock), log, config,
    );
    return new TokenSchedule(x.resolve(TOKENS.RegisterEnvAccount), refresh, log, options.tokenCheckMs ?? Math.min(3_600_000, config.tokens.refreshMs));
  }));
}

/**
 * The CRM (SPEC §5): the outbox always (what waits, what failed); the pool and the Drizzle
 * writer wherever the CRM is known (the mirror, `crm:backfill`, `crm:check`); the non-blocking
 * mirror around that writer when CRM_MYSQL_ENABLED=true, the no-op mirror otherwise.
 */
function registerCrm(c: DependencyContainer, config: Config, log: Logger, options: ContainerOptions): void {
  const mirrorOptions: MirrorOptions = {
    batchSize: config.crm.batchSize, maxAttempts: config.crm.maxAttempts, retryBaseMs: 500, retryMaxMs: config.crm.retryMaxMs,
    // Several instances: rows a dead one left in doubt become this one's when their claim lapses.
    ...(config.postgres ? { doubtRecheckMs: Math.min(DOUBT_RECHECK_MS, config.postgres.claimLeaseMs) } : {}),
  };
  c.register(TOKENS.MirrorOptions, { useValue: mirrorOptions });
  if (config.crm.missing.length === 0) {
    c.register(TOKENS.CrmPool, once(TOKENS.CrmPool, (x) => new CrmPool(config.crm, log, x.resolve(TOKENS.Metrics))));
    c.register(TOKENS.CrmWriter, once(TOKENS.CrmWriter, (x) =>
      new MysqlMessageMirror(x.resolve(TOKENS.CrmPool), config.crm, x.resolve(TOKENS.Usernames), log, x.resolve(TOKENS.Metrics), options.outageSummaryMs)));
  }
  if (config.crm.enabled && !options.storeOnly) {
    c.register(TOKENS.MessageMirror, once(TOKENS.MessageMirror, (x) =>
      new NonBlockingMirror(x.resolve(TOKENS.CrmWriter), x.resolve(TOKENS.CrmOutbox), x.resolve(TOKENS.Clock), log, mirrorOptions)));
    c.register(TOKENS.CrmStatus, once(TOKENS.CrmStatus, (x) =>
      new MirrorCrmStatus(x.resolve(TOKENS.MessageMirror), x.resolve(TOKENS.CrmOutbox), x.resolve(TOKENS.CrmPool), x.resolve(TOKENS.CrmWriter), config.crm.slowWriteMs)));
  } else {
    c.register(TOKENS.MessageMirror, { useValue: new NoOpMessageMirror() });
    c.register(TOKENS.CrmStatus, once(TOKENS.CrmStatus, (x) => new DisabledCrmStatus(x.resolve(TOKENS.CrmOutbox), config.crm)));
  }
}

/**
 * SPEC §11: the webhook silence watch, the Conversations API reader (with each account's token),
 * the import, and the reconciliation (every HISTORY_SYNC_INTERVAL_M; 0 = off).
 */
function registerHistory(c: DependencyContainer, config: Config, log: Logger): void {
  c.register(TOKENS.WebhookWatch, once(TOKENS.WebhookWatch, (x) =>
    new WebhookWatch(x.resolve<StoreOpening>(TOKENS.StoreOpening).lastWebhookAt(), config.history.silenceAlertMs, x.resolve(TOKENS.Metrics))));
  c.register(TOKENS.ContactBook, { useFactory: (x) => x.resolve(TOKENS.ProfileCache) });
  c.register(TOKENS.ConversationHistory, once(TOKENS.ConversationHistory, (x) =>
    new GraphConversationHistory(config, x.resolve(TOKENS.AccountTokens), x.resolve(TOKENS.Metrics), log)));
  c.register(TOKENS.ImportHistory, once(TOKENS.ImportHistory, (x) => x.resolve(ImportHistory)));
  c.register(TOKENS.HistorySync, once(TOKENS.HistorySync, (x) =>
    new HistorySync(x.resolve(TOKENS.ImportHistory), x.resolve(TOKENS.AccountViews), x.resolve(TOKENS.HistoryCheckpoints), x.resolve(TOKENS.WebhookWatch), x.resolve(TOKENS.Metrics), x.resolve(TOKENS.Clock), log, config.history, x.resolve(TOKENS.ClusterLock))));
}

/** A singleton made on first use and noted as opened: `Lifecycle` closes only what was. */
function once<T>(token: symbol, make: (x: DependencyContainer) => T): FactoryProvider<T> {
  return {
    useFactory: instanceCachingFactory<T>((x) => {
      const made = make(x);
      x.resolve<Set<symbol>>(TOKENS.Opened).add(token);
      return made;
    }),
  };
}
