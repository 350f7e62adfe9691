import 'reflect-metadata';
import type { Logger } from 'pino';
import { instanceCachingFactory, container as root, type DependencyContainer } from 'tsyringe';
import { openSqlite, type SqliteDb } from './adapters/sqlite/database.js';
import { SqliteConversationReader } from './adapters/sqlite/sqlite-conversation-reader.js';
import { DisabledCrmStatus } from './adapters/sqlite/sqlite-crm-status.js';
import { SqliteMessageStore } from './adapters/sqlite/sqlite-message-store.js';
import { ChangeFeed } from './adapters/live/change-feed.js';
import { ObservedMessageStore } from './adapters/live/observed-message-store.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus-metrics.js';
import { NoOpMessageMirror } from './adapters/mirror/noop-message-mirror.js';
import { UnknownProfileLookup } from './adapters/profile/unknown-profile-lookup.js';
import type { CrmStatus } from './application/ports/crm-status.js';
import type { Metrics } from './application/ports/metrics.js';
import { ReceiveMessage } from './application/receive-message.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { TOKENS } from './tokens.js';

export interface ContainerOptions {
  clock?: Clock;
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
  c.register(TOKENS.ChangeFeed, { useValue: new ChangeFeed() });
  c.register(TOKENS.ProfileLookup, { useValue: new UnknownProfileLookup() });
  c.register(TOKENS.SqliteDatabase, { useValue: openSqlite(config.sqlitePath) });
  c.registerSingleton(SqliteMessageStore);
  // Counted (messages stored by direction) and announced to open inboxes after each commit.
  c.register(TOKENS.MessageStore, {
    useFactory: instanceCachingFactory(
      (x) => new ObservedMessageStore(x.resolve(SqliteMessageStore), x.resolve<Metrics>(TOKENS.Metrics), x.resolve<ChangeFeed>(TOKENS.ChangeFeed)),
    ),
  });
  c.registerSingleton(TOKENS.ConversationReader, SqliteConversationReader);

  if (config.crm.missing.length > 0) {
    logger.warn({ missing: config.crm.missing }, `CRM mirror off: CRM_MYSQL_ENABLED=true but ${config.crm.missing.join(', ')} not set`);
  }
  c.register(TOKENS.MessageMirror, { useValue: new NoOpMessageMirror() });
  c.registerSingleton(TOKENS.CrmStatus, DisabledCrmStatus);

  c.registerSingleton(TOKENS.ReceiveMessage, ReceiveMessage);
  return c;
}

/** Closes what the container opened, last-opened first. */
export async function closeContainer(c: DependencyContainer): Promise<void> {
  c.resolve<SqliteDb>(TOKENS.SqliteDatabase).$client.close();
}
