import Router from '@koa/router';
import { EXACT_PATHS } from './route-matching.js';
import type { Middleware } from 'koa';
import type { Metrics } from '../../application/ports/metrics.js';
import type { MetricsExporter } from '../../application/ports/metrics-exporter.js';

/** `GET /metrics`: Prometheus scrapes this (no bearer: keep it on a private network). */
export function metricsRoutes(exporter: MetricsExporter): Router {
  const router = new Router(EXACT_PATHS);
  router.get('/metrics', async (ctx) => {
    ctx.body = await exporter.text();
    ctx.type = exporter.contentType;
    ctx.set('Cache-Control', 'no-store');
  });
  return router;
}

/** Counts every `POST /webhooks/instagram` by the status finally answered (after error mapping). */
export function countWebhookRequests(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      if (ctx.method === 'POST' && ctx.path === '/webhooks/instagram') metrics.webhookRequest(ctx.status);
    }
  };
}
