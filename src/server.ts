import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import { buildHttpApp } from './adapters/http/app.js';
import { withFastReads } from './adapters/http/fast-reads.js';
import { ReadPageCache } from './adapters/http/read-page-cache.js';
import { PageMaker } from './adapters/http/read-pages.js';
import { ReadTurns } from './adapters/http/read-turns.js';
import { limitServer } from './adapters/http/server-limits.js';
import type { AccountViews } from './application/account-views.js';
import type { ChangeFeed } from './application/ports/change-feed.js';
import type { ConversationReader } from './application/ports/conversation-reader.js';
import type { CrmStatus } from './application/ports/crm-status.js';
import type { MetricsExporter } from './application/ports/metrics-exporter.js';
import type { Metrics } from './application/ports/metrics.js';
import type { ReceiveMessage } from './application/receive-message.js';
import type { SendMessage } from './application/send-message.js';
import type { WebhookWatch } from './application/webhook-watch.js';
import type { Config } from './config.js';
import { buildContainer, type ContainerOptions } from './container.js';
import type { Clock } from './domain/clock.js';
import { Lifecycle } from './lifecycle.js';
import { TOKENS } from './tokens.js';

export interface RunningService {
  url: string;
  server: Server;
  container: DependencyContainer;
  /** The Koa app (its routers list every route: the OpenAPI test reads them). */
  app: Koa;
  /** Stops accepting, lets requests in flight finish (bounded), then closes every resource. */
  close(graceMs?: number): Promise<void>;
}

const ACCOUNTS_READY_WAIT_MS = 3_000;

function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

export async function startService(config: Config, logger: Logger, options: ContainerOptions = {}): Promise<RunningService> {
  const container = buildContainer(config, logger, options);
  const lifecycle = new Lifecycle(container);
  // The accounts are loaded before anything is answered (a delivery asks whose it is)...
  await lifecycle.open();
  // ...and the env account is usually known at once; when Meta must name it (IG_ACCOUNT_ID=me), wait a little, never long.
  await within(lifecycle.start(), ACCOUNTS_READY_WAIT_MS);
  const clock = container.resolve<Clock>(TOKENS.Clock);
  const metrics = container.resolve<Metrics>(TOKENS.Metrics);
  const reader = container.resolve<ConversationReader>(TOKENS.ConversationReader);
  const pages = new PageMaker(reader, new ReadTurns(metrics), new ReadPageCache(config.limits.readCacheBytes, metrics));
  const app = buildHttpApp({
    config,
    logger,
    receive: container.resolve<ReceiveMessage>(TOKENS.ReceiveMessage),
    send: container.resolve<SendMessage>(TOKENS.SendMessage),
    reader,
    pages,
    crmStatus: container.resolve<CrmStatus>(TOKENS.CrmStatus),
    now: () => clock.now(),
    metrics,
    metricsExporter: container.resolve<MetricsExporter>(TOKENS.MetricsExporter),
    changes: container.resolve<ChangeFeed>(TOKENS.ChangeFeed),
    webhooks: container.resolve<WebhookWatch>(TOKENS.WebhookWatch),
    accounts: container.resolve<AccountViews>(TOKENS.AccountViews),
  });
  let closing = false;
  const listener = withFastReads(app.callback(), { pages, apiToken: config.apiToken, metrics, logger });
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    // While stopping, every answer (the fast path's and Koa's alike) asks its client to close the connection.
    if (closing) res.setHeader('Connection', 'close');
    listener(req, res);
  });
  limitServer(server, config.limits, logger, metrics);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
  } catch (error) {
    await lifecycle.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info(
    { port, host: config.host, url, inbox: `${url}/`, store: config.postgres ? 'postgresql' : config.sqlitePath, crm: config.crm.enabled ? 'enabled' : 'disabled' },
    `igbridge listening on ${url}: the inbox is at ${url}/ (it asks for the API token: API_TOKEN in .env)`,
  );

  /** Stops accepting, ends the event streams, lets the requests in flight finish (then cuts them). */
  const stopHttp = async (graceMs: number) => {
    closing = true;
    container.resolve<ChangeFeed>(TOKENS.ChangeFeed).close(); // open event streams end now
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    await stopped;
    clearTimeout(timer);
    clearInterval(idle);
  };
  let closed: Promise<void> | undefined;
  const close = (graceMs = 10_000) =>
    (closed ??= lifecycle.stop(() => stopHttp(graceMs)).then(() => logger.info('igbridge stopped')));
  return { url, server, container, app, close };
}
