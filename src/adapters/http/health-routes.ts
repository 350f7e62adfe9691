import Router from '@koa/router';
import { EXACT_PATHS } from './route-matching.js';
import type { ConversationReader } from '../../application/ports/conversation-reader.js';
import type { CrmStatus } from '../../application/ports/crm-status.js';
import type { WebhookWatch } from '../../application/webhook-watch.js';
import { HttpError } from './http-error.js';

/** `/healthz`: the process answers. `/readyz`: SQLite answers; the CRM is reported, never required. */
export function healthRoutes(reader: ConversationReader, crm: CrmStatus, webhooks: WebhookWatch): Router {
  const router = new Router(EXACT_PATHS);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await reader.ping();
    } catch (error) {
      throw new HttpError(503, 'sqlite_unavailable', `the local database does not answer: ${(error as Error).message}`);
    }
    const { lastReceivedAt, state } = webhooks.health();
    ctx.body = {
      status: 'ok',
      sqlite: 'ok',
      crm: await crm.status(),
      webhooks: { last_received_at: lastReceivedAt === null ? null : new Date(lastReceivedAt).toISOString(), state },
    };
  });
  return router;
}
