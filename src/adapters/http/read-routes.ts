import Router from '@koa/router';
import type { Context } from 'koa';
import type { IncomingMessage } from 'node:http';
import { EXACT_PATHS } from './route-matching.js';
import { listQuestion, pageHeaders, threadQuestion, type PageMaker, type PageQuestion } from './read-pages.js';

/** Requests whose page failed on the fast path (fastReads): the route answers with that error, without asking again. */
const failedBefore = new WeakMap<IncomingMessage, unknown>();

/** Hands a request whose page failed to the Koa app, which answers the error as every other one (errorMiddleware). */
export function answerFailureThroughKoa(req: IncomingMessage, error: unknown): void {
  failedBefore.set(req, error);
}

/** The two routes' patterns (also the request metric's `route` label). */
export const LIST_ROUTE = '/api/conversations';
export const THREAD_ROUTE = '/api/conversations/:userId/messages';

/**
 * `GET /api/conversations` and `GET /api/conversations/:userId/messages` (bearer checked by the
 * caller); `account_id` keeps one account's (SPEC §12). The pages are made by the PageMaker:
 * `304` when `If-None-Match` names the page as it is now (a browser's inbox tab does this by
 * itself: `Cache-Control: private, no-cache`).
 * The usual requests do not come here: fastReads answers them before Koa; these routes answer the
 * rest (a browser's cross-origin call, a bad parameter, a missing token) and document the API.
 */
export function readRoutes(pages: PageMaker): Router {
  const router = new Router(EXACT_PATHS);
  const page = async (ctx: Context, question: () => PageQuestion): Promise<void> => {
    if (failedBefore.has(ctx.req)) throw failedBefore.get(ctx.req);
    const answer = await pages.answer(question(), ctx.get('if-none-match') || undefined);
    ctx.set(pageHeaders(answer));
    ctx.status = answer.status;
    if (answer.status === 200) ctx.body = answer.bytes;
  };
  router.get(LIST_ROUTE, (ctx) => page(ctx, () => listQuestion(ctx.query)));
  router.get(THREAD_ROUTE, (ctx) => page(ctx, () => threadQuestion(ctx.params.userId!, ctx.query)));
  return router;
}
