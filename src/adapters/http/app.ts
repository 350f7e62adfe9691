import Koa from 'koa';
import type { Logger } from 'pino';
import type { AccountViews } from '../../application/account-views.js';
import type { ChangeFeed } from '../../application/ports/change-feed.js';
import type { ConversationReader } from '../../application/ports/conversation-reader.js';
import type { CrmStatus } from '../../application/ports/crm-status.js';
import type { Metrics } from '../../application/ports/metrics.js';
import type { MetricsExporter } from '../../application/ports/metrics-exporter.js';
import type { ReceiveMessage } from '../../application/receive-message.js';
import type { SendMessage } from '../../application/send-message.js';
import type { WebhookWatch } from '../../application/webhook-watch.js';
import type { Config } from '../../config.js';
import { accountRoutes } from './account-routes.js';
import { apiGate } from './api-gate.js';
import { bearerAuth } from './bearer-auth.js';
import { errorMiddleware, reportResponseError } from './error-middleware.js';
import { eventsRoutes } from './events-routes.js';
import { healthRoutes } from './health-routes.js';
import { inboxRoutes } from './inbox-routes.js';
import { InflightBudget } from './inflight-budget.js';
import { metricsRoutes, requestMetrics } from './metrics-routes.js';
import { openApiRoutes } from './openapi-routes.js';
import type { PageMaker } from './read-pages.js';
import { readRoutes } from './read-routes.js';
import { sendRoutes } from './send-routes.js';
import { webhookRoutes } from './webhook-routes.js';

export interface HttpDeps {
  config: Config;
  logger: Logger;
  receive: ReceiveMessage;
  send: SendMessage;
  reader: ConversationReader;
  /** The API's read pages (shared with the fast path in front of Koa, fastReads). */
  pages: PageMaker;
  crmStatus: CrmStatus;
  now: () => number;
  metrics: Metrics;
  metricsExporter: MetricsExporter;
  changes: ChangeFeed;
  webhooks: WebhookWatch;
  accounts: AccountViews;
}

/** The Koa application: every route is listed here, in the order it is matched. */
export function buildHttpApp(deps: HttpDeps): Koa {
  const app = new Koa({ proxy: true });
  const requireToken = bearerAuth(deps.config.apiToken);
  const inflight = new InflightBudget(deps.config.limits.webhookMaxInflightBytes, (bytes) => deps.metrics.limitInUse('webhook_inflight_bytes', bytes));
  app.on('error', reportResponseError(deps.logger));
  app.use(requestMetrics(deps.metrics));
  app.use(errorMiddleware(deps.logger, deps.metrics, deps.now));
  app.use(apiGate({ requireToken, allowedOrigins: deps.config.limits.allowedOrigins }));
  for (const router of [
    webhookRoutes({ ...deps, inflight }),
    readRoutes(deps.pages),
    accountRoutes(deps.accounts),
    sendRoutes(deps.send, deps.config.limits.bodyTimeoutMs),
    healthRoutes(deps.reader, deps.crmStatus, deps.webhooks, deps.accounts, deps.config.postgres ? 'postgresql' : 'sqlite'),
    eventsRoutes(deps.changes, { maxClients: deps.config.limits.eventsMaxClients, metrics: deps.metrics }),
    metricsRoutes(deps.metricsExporter, deps.config.limits.metricsToken),
    openApiRoutes(),
    inboxRoutes(),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
