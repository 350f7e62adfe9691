import Router from '@koa/router';
import type { Context } from 'koa';
import type { IncomingMessage } from 'node:http';
import { EXACT_PATHS } from './route-matching.js';
import { listQuestion, threadQuestion, type PageMaker, type PageQuestion } from './read-pages.js';

/** Requests whose page failed on the fast path (fastReads): the route answers with that error, without asking again. */
const failedBefore = new WeakMap<IncomingMessage, unknown>();

/** Hands a request whose page failed to the Koa app, which answers the error as every other one (errorMiddleware). */
export function answerFailureThroughKoa(req: IncomingMessage, error: unknown): void {
  failedBefore.set(req, error);
}

/** A page is kept by the client (its own data: private) and asked again each time with its ETag (none without a mark). */
export const PAGE_CACHE_CONTROL = 'private, no-cache';

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
    ctx.set('Cache-Control', PAGE_CACHE_CONTROL);
    if (answer.tag !== null) ctx.set('ETag', answer.tag);
    if (answer.status === 304) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'json';
    ctx.body = answer.bytes;
  };
  router.get('/api/conversations', (ctx) => page(ctx, () => listQuestion(ctx.query)));
  router.get('/api/conversations/:userId/messages', (ctx) => page(ctx, () => threadQuestion(ctx.params.userId!, ctx.query)));
  return router;
}
