import 'reflect-metadata';
import type { Logger } from 'pino';
import { container as root, type DependencyContainer } from 'tsyringe';
import { openSqlite, type SqliteDb } from './adapters/sqlite/database.js';
import { SqliteConversationReader } from './adapters/sqlite/sqlite-conversation-reader.js';
import { DisabledCrmStatus } from './adapters/sqlite/sqlite-crm-status.js';
import { SqliteMessageStore } from './adapters/sqlite/sqlite-message-store.js';
import { GraphMessageSender } from './adapters/graph/graph-message-sender.js';
import { UnconfiguredMessageSender } from './adapters/graph/unconfigured-message-sender.js';
import { noOpMetrics } from './adapters/metrics-noop.js';
import { NoOpMessageMirror } from './adapters/mirror/noop-message-mirror.js';
import { UnknownProfileLookup } from './adapters/profile/unknown-profile-lookup.js';
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
  c.register(TOKENS.Metrics, { useValue: noOpMetrics });
  c.register(TOKENS.ProfileLookup, { useValue: new UnknownProfileLookup() });
  c.register(TOKENS.SqliteDatabase, { useValue: openSqlite(config.sqlitePath) });
  c.registerSingleton(TOKENS.MessageStore, SqliteMessageStore);
  c.registerSingleton(TOKENS.ConversationReader, SqliteConversationReader);

  // Meta's Graph API: sends need IG_ACCESS_TOKEN; without it they are refused (503).
  if (config.instagram.accessToken) {
    c.registerSingleton(TOKENS.MessageSender, GraphMessageSender);
  } else {
    logger.warn('IG_ACCESS_TOKEN is not set: POST /api/messages answers 503');
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
  c.resolve<SqliteDb>(TOKENS.SqliteDatabase).$client.close();
}
