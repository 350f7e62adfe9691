import Router from '@koa/router';
import { EXACT_PATHS } from './route-matching.js';
import type { Middleware } from 'koa';
import type { MetricsExporter } from '../../application/ports/metrics-exporter.js';
import type { Metrics } from '../../application/ports/metrics.js';
import { bearerMatches } from './bearer-auth.js';
import { HttpError } from './http-error.js';

/** `GET /metrics`: Prometheus scrapes this; with METRICS_TOKEN set, only with `Authorization: Bearer <it>`. */
export function metricsRoutes(exporter: MetricsExporter, token: string | null): Router {
  const router = new Router(EXACT_PATHS);
  router.get('/metrics', async (ctx) => {
    if (token !== null && !bearerMatches(ctx.get('authorization'), token)) {
      throw new HttpError(401, 'unauthorized', '/metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    ctx.body = await exporter.text();
    ctx.type = exporter.contentType;
    ctx.set('Cache-Control', 'no-store');
  });
  return router;
}

/** Methods kept as they are in the duration's label; any other is `other` (the label stays a short list). */
const TIMED_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * The per-request metrics, as the first middleware:
 * - every `POST /webhooks/instagram`, counted by the status finally answered (after error mapping);
 * - every answer's time from here until Node hands it to the socket (`finish`, so the histogram is
 *   fed after the answer), labelled by the pattern of the route that matched (`unmatched` for
 *   none: the label is the route table, never the raw path). Event streams are not timed: they
 *   last as long as their client stays.
 */
export function requestMetrics(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    ctx.res.once('finish', () => {
      if (ctx.response.type === 'text/event-stream') return;
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      metrics.httpRequest(TIMED_METHODS.has(ctx.method) ? ctx.method : 'other', typeof route === 'string' ? route : 'unmatched', (performance.now() - started) / 1000);
    });
    try {
      await next();
    } finally {
      if (ctx.method === 'POST' && ctx.path === '/webhooks/instagram') metrics.webhookRequest(ctx.status);
    }
  };
}
