import Router from '@koa/router';
import type { AccountViews } from '../../application/account-views.js';
import { EXACT_PATHS } from './route-matching.js';
import type { ReadyAnswer } from './schemas/answers.js';
import type { NotReadyAnswer } from './schemas/error-body.js';
import type { ConversationReader } from '../../application/ports/conversation-reader.js';
import type { CrmStatus } from '../../application/ports/crm-status.js';
import type { WebhookWatch } from '../../application/webhook-watch.js';
import { accountJson } from './presenters.js';

/** Where messages are kept: the `store` field of `/readyz`, and the name of its own field. */
export type StoreKind = 'sqlite' | 'postgresql';
const STORE_NAMES: Record<StoreKind, string> = { sqlite: 'the local database', postgresql: 'PostgreSQL' };

/**
 * `/healthz`: the process answers (it never touches the store). `/readyz`: the store (SQLite, or
 * PostgreSQL with DATABASE_URL) can write; the CRM and the accounts' tokens are reported, never required.
 */
export function healthRoutes(reader: ConversationReader, crm: CrmStatus, webhooks: WebhookWatch, accounts: AccountViews, store: StoreKind = 'sqlite'): Router {
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
      const answer: NotReadyAnswer = { status: 'error', store, [store]: 'error', reason, error: { code: `${store}_unavailable`, message: `${STORE_NAMES[store]} cannot write: ${reason}` } };
      ctx.body = answer;
      return;
    }
    const { lastReceivedAt, state } = webhooks.health();
    const answer: ReadyAnswer = {
      status: 'ok',
      store,
      [store]: 'ok',
      crm: await crm.status(),
      webhooks: { last_received_at: lastReceivedAt === null ? null : new Date(lastReceivedAt).toISOString(), state },
      accounts: accounts.list().map(accountJson),
    };
    ctx.body = answer;
  });
  return router;
}
