import 'reflect-metadata';
import type { Logger } from 'pino';
import { instanceCachingFactory, container as root, type DependencyContainer } from 'tsyringe';
import { CLI_BUSY_TIMEOUT_MS, openSqlite, type SqliteDb } from './adapters/sqlite/database.js';
import { sqliteFiles, warnLooseModes } from './private-files.js';
import { SqliteConversationReader } from './adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteMessageStore } from './adapters/sqlite/sqlite-message-store.js';
import { SqliteProfileCache } from './adapters/sqlite/sqlite-profile-cache.js';
import { GraphMessageSender } from './adapters/graph/graph-message-sender.js';
import { GraphProfileLookup } from './adapters/graph/graph-profile-lookup.js';
import { UnconfiguredMessageSender } from './adapters/graph/unconfigured-message-sender.js';
import { InProcessChangeFeed } from './adapters/live/in-process-change-feed.js';
import { ObservedMessageStore } from './adapters/live/observed-message-store.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus-metrics.js';
import { noOpMetrics } from './adapters/metrics/noop-metrics.js';
import { NoOpMessageMirror } from './adapters/mirror/noop-message-mirror.js';
import { CrmPool } from './adapters/mysql/crm-pool.js';
import { MysqlMessageMirror } from './adapters/mysql/mysql-message-mirror.js';
import { SqliteCrmOutbox } from './adapters/sqlite/sqlite-crm-outbox.js';
import { UnknownProfileLookup } from './adapters/profile/unknown-profile-lookup.js';
import { DisabledCrmStatus } from './application/crm-mirror/disabled-crm-status.js';
import { MirrorCrmStatus } from './application/crm-mirror/mirror-crm-status.js';
import { MirrorPendingMessages, type MirrorOptions } from './application/crm-mirror/mirror-pending-messages.js';
import { NonBlockingMirror } from './application/crm-mirror/non-blocking-mirror.js';
import type { ChangeFeed } from './application/ports/change-feed.js';
import type { OutboxSelection } from './application/ports/crm-outbox.js';
import { GraphConversationHistory } from './adapters/graph/graph-conversation-history.js';
import { HistorySync } from './adapters/history/history-sync.js';
import { SqliteHistoryCheckpoints } from './adapters/sqlite/sqlite-history-checkpoints.js';
import { ImportHistory } from './application/import-history.js';
import { WebhookWatch } from './application/webhook-watch.js';
import type { CrmStatus } from './application/ports/crm-status.js';
import type { Metrics } from './application/ports/metrics.js';
import type { ProfileLookup } from './application/ports/profile-lookup.js';
import { ProfileLookupBudget } from './application/profile-lookup-budget.js';
import type { Usernames } from './application/ports/usernames.js';
import { ReceiveMessage } from './application/receive-message.js';
import { SendMessage } from './application/send-message.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { TOKENS } from './tokens.js';

export interface ContainerOptions {
  clock?: Clock;
  /** How often identical CRM failures are summarised during an outage (default one line a minute). */
  outageSummaryMs?: number;
}

/**
 * The composition root: the only file that imports adapters, and the only place that picks
 * the no-op mirror. A fresh child container per app instance (and per test).
 */
export function buildContainer(config: Config, logger: Logger, options: ContainerOptions = {}): DependencyContainer {
  const c = root.createChildContainer();
  c.register(TOKENS.Config, { useValue: config });
  c.register(TOKENS.Logger, { useValue: logger });
  c.register(TOKENS.Clock, { useValue: options.clock ?? systemClock });
  const metrics = new PrometheusMetrics();
  metrics.watchBacklog(() => c.resolve<CrmStatus>(TOKENS.CrmStatus).status());
  c.register(TOKENS.Metrics, { useValue: metrics });
  c.register(TOKENS.MetricsExporter, { useValue: metrics });
  c.register(TOKENS.ChangeFeed, { useValue: new InProcessChangeFeed() });
  c.register(TOKENS.SqliteDatabase, { useValue: openSqlite(config.sqlitePath) });
  warnLooseModes(sqliteFiles(config.sqlitePath), logger);
  c.registerSingleton(SqliteMessageStore);
  // Counted (messages stored by direction) and announced to open inboxes after each commit.
  c.register(TOKENS.MessageStore, {
    useFactory: instanceCachingFactory(
      (x) => new ObservedMessageStore(x.resolve(SqliteMessageStore), x.resolve<Metrics>(TOKENS.Metrics), x.resolve<ChangeFeed>(TOKENS.ChangeFeed)),
    ),
  });
  c.registerSingleton(TOKENS.ConversationReader, SqliteConversationReader);

  // Meta's Graph API: sends and username look-ups need IG_ACCESS_TOKEN; without it sends are
  // refused (503) and usernames stay unknown (the CRM gets the user id).
  if (config.instagram.accessToken) {
    c.registerSingleton(TOKENS.ProfileCache, SqliteProfileCache);
    c.registerSingleton(TOKENS.ProfileLookup, GraphProfileLookup);
    c.registerSingleton(TOKENS.MessageSender, GraphMessageSender);
  } else {
    c.register(TOKENS.ProfileLookup, { useValue: new UnknownProfileLookup() });
    c.register(TOKENS.MessageSender, { useValue: new UnconfiguredMessageSender() });
  }
  // Look-ups on a budget (PROFILE_LOOKUPS_PER_S, PROFILE_QUEUE_MAX): a flood of new customers
  // neither crowds the event loop nor spends the Graph rate limit the Send API needs.
  c.register(TOKENS.Usernames, {
    useFactory: instanceCachingFactory((x) => budget(x.resolve<ProfileLookup>(TOKENS.ProfileLookup), x.resolve<Clock>(TOKENS.Clock), x.resolve<Metrics>(TOKENS.Metrics), config)),
  });

  if (config.crm.requested && !config.crm.enabled) {
    logger.warn({ missing: config.crm.missing }, `CRM mirror off: CRM_MYSQL_ENABLED=true but ${config.crm.missing.join(', ')} not set`);
  }
  if (config.crm.enabled) {
    registerCrmMirror(c, config, logger, options.outageSummaryMs);
  } else {
    c.register(TOKENS.MessageMirror, { useValue: new NoOpMessageMirror() });
    c.register(TOKENS.CrmStatus, { useValue: new DisabledCrmStatus(new SqliteCrmOutbox(c.resolve<SqliteDb>(TOKENS.SqliteDatabase)), config.crm) });
  }

  c.registerSingleton(TOKENS.ReceiveMessage, ReceiveMessage);
  c.registerSingleton(TOKENS.SendMessage, SendMessage);
  registerHistory(c, config, logger);
  return c;
}

/**
 * SPEC §11: the webhook silence watch, and with IG_ACCESS_TOKEN the Conversations API reader
 * and the reconciliation (every HISTORY_SYNC_INTERVAL_M; 0 = off), stopped first at shutdown.
 */
function registerHistory(c: DependencyContainer, config: Config, logger: Logger): void {
  const metrics = c.resolve<Metrics>(TOKENS.Metrics);
  const clock = c.resolve<Clock>(TOKENS.Clock);
  const checkpoints = new SqliteHistoryCheckpoints(c.resolve<SqliteDb>(TOKENS.SqliteDatabase), clock);
  c.register(TOKENS.HistoryCheckpoints, { useValue: checkpoints });
  const watch = new WebhookWatch(checkpoints.lastWebhookAt(), config.history.silenceAlertMs, metrics);
  c.register(TOKENS.WebhookWatch, { useValue: watch });
  if (!config.instagram.accessToken) return;
  const log = logger.child({ component: 'history' });
  c.register(TOKENS.ContactBook, { useFactory: (x) => x.resolve(TOKENS.ProfileCache) });
  c.register(TOKENS.ConversationHistory, { useValue: new GraphConversationHistory(config, metrics, log) });
  c.registerSingleton(TOKENS.ImportHistory, ImportHistory);
  if (config.history.syncIntervalMs === 0) return;
  const sync = new HistorySync(c.resolve(TOKENS.ImportHistory), checkpoints, watch, metrics, clock, log, config.history);
  sync.start();
  closers.set(c, [() => sync.close(), ...(closers.get(c) ?? [])]);
}

/**
 * For `npm run history:import`: the webhook's store path (ReceiveMessage, de-duplicated on
 * mid) without the service's background work. With the CRM mirror on, imported messages are
 * committed `pending` and the service's drainer mirrors them, once, like any other.
 */
export function buildHistoryImport(config: Config, logger: Logger): { importer: ImportHistory; close(): Promise<void> } {
  const c = root.createChildContainer();
  c.register(TOKENS.Config, { useValue: config });
  c.register(TOKENS.Logger, { useValue: logger });
  c.register(TOKENS.Clock, { useValue: systemClock });
  c.register(TOKENS.Metrics, { useValue: noOpMetrics });
  const db = openSqlite(config.sqlitePath, CLI_BUSY_TIMEOUT_MS);
  c.register(TOKENS.SqliteDatabase, { useValue: db });
  c.registerSingleton(TOKENS.MessageStore, SqliteMessageStore);
  c.registerSingleton(TOKENS.ConversationReader, SqliteConversationReader);
  c.register(TOKENS.MessageMirror, { useValue: new NoOpMessageMirror() });
  c.register(TOKENS.ProfileLookup, { useValue: new UnknownProfileLookup() });
  c.register(TOKENS.Usernames, { useValue: budget(new UnknownProfileLookup(), systemClock, noOpMetrics, config) });
  c.registerSingleton(TOKENS.ProfileCache, SqliteProfileCache);
  c.registerSingleton(TOKENS.ReceiveMessage, ReceiveMessage);
  registerHistory(c, { ...config, history: { ...config.history, syncIntervalMs: 0 } }, logger);
  return { importer: c.resolve<ImportHistory>(TOKENS.ImportHistory), close: async () => void db.$client.close() };
}

/** What closeContainer must stop before SQLite closes, per container, in order. */
const closers = new WeakMap<DependencyContainer, Array<() => Promise<void>>>();

interface CrmParts {
  pool: CrmPool;
  writer: MysqlMessageMirror;
  outbox: SqliteCrmOutbox;
}

/** The CRM writer and the outbox, as the service and the backfill both use them. */
function crmParts(config: Config, db: SqliteDb, profiles: Usernames, metrics: Metrics, logger: Logger, outageSummaryMs?: number): CrmParts {
  const pool = new CrmPool(config.crm, logger, metrics);
  return { pool, writer: new MysqlMessageMirror(pool, config.crm, profiles, logger, metrics, outageSummaryMs), outbox: new SqliteCrmOutbox(db) };
}

/**
 * The CRM mirror (SPEC §5): the mysql2 pool, the Drizzle writer, the SQLite outbox and the
 * non-blocking decorator whose background scheduler starts now (validation first).
 */
function registerCrmMirror(c: DependencyContainer, config: Config, logger: Logger, outageSummaryMs?: number): void {
  const log = logger.child({ component: 'crm' });
  const clock = c.resolve<Clock>(TOKENS.Clock);
  const { pool, writer, outbox } = crmParts(
    config,
    c.resolve<SqliteDb>(TOKENS.SqliteDatabase),
    c.resolve<Usernames>(TOKENS.Usernames),
    c.resolve<Metrics>(TOKENS.Metrics),
    log,
    outageSummaryMs,
  );
  const mirror = new NonBlockingMirror(writer, outbox, clock, log, mirrorOptions(config));
  c.register(TOKENS.MessageMirror, { useValue: mirror });
  c.register(TOKENS.CrmStatus, { useValue: new MirrorCrmStatus(mirror, outbox, pool, writer, config.crm.slowWriteMs) });
  log.info({ host: config.crm.host, port: config.crm.port, database: config.crm.database, table: config.crm.table, user: config.crm.user, poolMax: config.crm.poolMax }, 'CRM mirror on');
  const waiting = outbox.counts().notMirrored;
  if (waiting > 0) log.warn({ notMirrored: waiting }, `${waiting} message(s) were stored while the CRM mirror was off: npm run crm:backfill sends them`);
  pool.start();
  mirror.start();
  closers.set(c, [() => mirror.close(Math.min(5_000, config.crm.writeTimeoutMs)), () => pool.close(2_000)]);
}

export interface Backfill {
  mirrorPending: MirrorPendingMessages;
  outbox: SqliteCrmOutbox;
  writer: MysqlMessageMirror;
  close(): Promise<void>;
}

/**
 * For `npm run crm:backfill`: the same writer and exactly-once machinery over the messages
 * that were never mirrored (or failed), whether or not CRM_MYSQL_ENABLED is true.
 */
export function buildBackfill(config: Config, logger: Logger, selection: OutboxSelection): Backfill {
  const db = openSqlite(config.sqlitePath, CLI_BUSY_TIMEOUT_MS);
  // Usernames as the service finds them: the contacts cache first, then the Graph API.
  const profiles = config.instagram.accessToken
    ? new GraphProfileLookup(config, new SqliteProfileCache(db, systemClock), noOpMetrics, systemClock, logger)
    : new UnknownProfileLookup();
  const usernames = budget(profiles, systemClock, noOpMetrics, config);
  const { pool, writer, outbox } = crmParts(config, db, usernames, noOpMetrics, logger);
  const mirrorPending = new MirrorPendingMessages(writer, outbox, systemClock, logger, { ...mirrorOptions(config), maxAttempts: 0, selection });
  return {
    mirrorPending,
    outbox,
    writer,
    close: async () => {
      await pool.close(2_000);
      await usernames.close();
      if (profiles instanceof GraphProfileLookup) await profiles.close();
      db.$client.close();
    },
  };
}

function budget(profiles: ProfileLookup, clock: Clock, metrics: Metrics, config: Config): ProfileLookupBudget {
  return new ProfileLookupBudget(profiles, clock, metrics, { perSecond: config.graph.profileLookupsPerS, queueMax: config.graph.profileQueueMax });
}

function mirrorOptions(config: Config): MirrorOptions {
  return { batchSize: config.crm.batchSize, maxAttempts: config.crm.maxAttempts, retryBaseMs: 500, retryMaxMs: config.crm.retryMaxMs };
}

/** Closes what the container opened, last-opened first: the CRM mirror and pool, the profile look-up, then SQLite. */
export async function closeContainer(c: DependencyContainer): Promise<void> {
  for (const close of closers.get(c) ?? []) await close();
  closers.delete(c);
  // After the CRM mirror (which asks for usernames): look-ups in flight write to SQLite.
  await c.resolve<ProfileLookupBudget>(TOKENS.Usernames).close();
  await c.resolve<ProfileLookup & { close?: () => Promise<void> }>(TOKENS.ProfileLookup).close?.();
  c.resolve<SqliteDb>(TOKENS.SqliteDatabase).$client.close();
}
