import 'reflect-metadata';
import type { Logger } from 'pino';
import { instanceCachingFactory, container as root, type DependencyContainer } from 'tsyringe';
import { openSqlite, type SqliteDb } from './adapters/sqlite/database.js';
import { SqliteConversationReader } from './adapters/sqlite/sqlite-conversation-reader.js';
import { DisabledCrmStatus } from './adapters/sqlite/sqlite-crm-status.js';
import { SqliteMessageStore } from './adapters/sqlite/sqlite-message-store.js';
import { SqliteProfileCache } from './adapters/sqlite/sqlite-profile-cache.js';
import { GraphMessageSender } from './adapters/graph/graph-message-sender.js';
import { GraphProfileLookup } from './adapters/graph/graph-profile-lookup.js';
import { UnconfiguredMessageSender } from './adapters/graph/unconfigured-message-sender.js';
import { ChangeFeed } from './adapters/live/change-feed.js';
import { ObservedMessageStore } from './adapters/live/observed-message-store.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus-metrics.js';
import { NoOpMessageMirror } from './adapters/mirror/noop-message-mirror.js';
import { UnknownProfileLookup } from './adapters/profile/unknown-profile-lookup.js';
import type { CrmStatus } from './application/ports/crm-status.js';
import type { Metrics } from './application/ports/metrics.js';
import type { ProfileLookup } from './application/ports/profile-lookup.js';
import { ReceiveMessage } from './application/receive-message.js';
import { SendMessage } from './application/send-message.js';
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
  c.register(TOKENS.SqliteDatabase, { useValue: openSqlite(config.sqlitePath) });
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
    logger.warn('IG_ACCESS_TOKEN is not set: POST /api/messages answers 503 and usernames are not looked up');
    c.register(TOKENS.ProfileLookup, { useValue: new UnknownProfileLookup() });
    c.register(TOKENS.MessageSender, { useValue: new UnconfiguredMessageSender() });
  }

  if (config.crm.missing.length > 0) {
    logger.warn({ missing: config.crm.missing }, `CRM mirror off: CRM_MYSQL_ENABLED=true but ${config.crm.missing.join(', ')} not set`);
  }
  c.register(TOKENS.MessageMirror, { useValue: new NoOpMessageMirror() });
  c.registerSingleton(TOKENS.CrmStatus, DisabledCrmStatus);

  c.registerSingleton(TOKENS.ReceiveMessage, ReceiveMessage);
  c.registerSingleton(TOKENS.SendMessage, SendMessage);
  return c;
}

/** Closes what the container opened, last-opened first. */
export async function closeContainer(c: DependencyContainer): Promise<void> {
  // Look-ups still in flight write to SQLite: let them end first.
  await c.resolve<ProfileLookup & { close?: () => Promise<void> }>(TOKENS.ProfileLookup).close?.();
  c.resolve<SqliteDb>(TOKENS.SqliteDatabase).$client.close();
}
