import Router from '@koa/router';
import type { AccountViews } from '../../application/account-views.js';
import { EXACT_PATHS } from './route-matching.js';
import type { ConversationReader } from '../../application/ports/conversation-reader.js';
import type { CrmStatus } from '../../application/ports/crm-status.js';
import type { WebhookWatch } from '../../application/webhook-watch.js';
import { accountJson } from './presenters.js';

/**
 * `/healthz`: the process answers (it never touches SQLite). `/readyz`: SQLite can write; the
 * CRM and the accounts' tokens are reported, never required.
 */
export function healthRoutes(reader: ConversationReader, crm: CrmStatus, webhooks: WebhookWatch, accounts: AccountViews): Router {
  const router = new Router(EXACT_PATHS);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await reader.ping();
    } catch (error) {
      const reason = (error as Error).message;
      ctx.status = 503;
      ctx.body = { status: 'error', sqlite: 'error', reason, error: { code: 'sqlite_unavailable', message: `the local database cannot write: ${reason}` } };
      return;
    }
    const { lastReceivedAt, state } = webhooks.health();
    ctx.body = {
      status: 'ok',
      sqlite: 'ok',
      crm: await crm.status(),
      webhooks: { last_received_at: lastReceivedAt === null ? null : new Date(lastReceivedAt).toISOString(), state },
      accounts: accounts.list().map(accountJson),
    };
  });
  return router;
}
