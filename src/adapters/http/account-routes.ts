import Router from '@koa/router';
import type { AccountViews } from '../../application/account-views.js';
import { accountJson } from './presenters.js';
import { EXACT_PATHS } from './route-matching.js';

/** `GET /api/accounts` (bearer checked by the caller): the accounts and their token state, never a token. */
export function accountRoutes(accounts: AccountViews): Router {
  const router = new Router(EXACT_PATHS);
  router.get('/api/accounts', (ctx) => {
    ctx.body = accounts.list().map(accountJson);
  });
  return router;
}
