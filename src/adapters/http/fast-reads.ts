import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../../application/ports/metrics.js';
import { bearerMatches } from './bearer-auth.js';
import type { Query } from './query.js';
import { listQuestion, pageHeaders, threadQuestion, type PageAnswer, type PageMaker, type PageQuestion } from './read-pages.js';
import { answerFailureThroughKoa, LIST_ROUTE, THREAD_ROUTE } from './read-routes.js';

export interface FastReadOptions {
  pages: PageMaker;
  apiToken: string | null;
  metrics: Pick<Metrics, 'httpRequest'>;
  logger: Logger;
}

const [THREAD_PREFIX, THREAD_SUFFIX] = THREAD_ROUTE.split(':userId') as [string, string];

/**
 * The inbox's two polled pages, answered in front of Koa: an inbox tab asks for them on every
 * live update, on the event loop the webhook shares, and Koa's layers (a context, five
 * middleware, the router) are a measured part of what eight polling tabs take from that loop
 * (BENCHMARKS.md, sessions 9 and 10: the webhook's p99 with eight readers, in runs alternated
 * with and without this, 1.7–2.8 × its p99 alone against 2.0–3.7 ×, lower in six pairs of seven). Only the plain case
 * comes here — `GET`, the exact path, no `Origin` (a same-origin tab, a server), the right
 * bearer, parameters that parse — and is answered exactly as the Koa route would (the same
 * question, headers and bytes, the same request metric). Everything else — a missing or wrong
 * token, a bad parameter, a cross-origin call, a page that failed — goes to the Koa app, whose
 * one error handler answers it.
 */
export function withFastReads(koa: RequestListener, options: FastReadOptions): RequestListener {
  return (req, res) => {
    if (!fastRead(req, res, options, koa)) void koa(req, res);
  };
}

function fastRead(req: IncomingMessage, res: ServerResponse, options: FastReadOptions, koa: RequestListener): boolean {
  if (req.method !== 'GET' || req.headers.origin !== undefined || options.apiToken === null) return false;
  const url = req.url ?? '';
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const route = routeOf(path);
  if (route === null) return false;
  if (!bearerMatches(req.headers.authorization ?? '', options.apiToken)) return false;
  let question: PageQuestion;
  try {
    const query = queryOf(mark < 0 ? '' : url.slice(mark + 1));
    question = route.userId === null ? listQuestion(query) : threadQuestion(route.userId, query);
  } catch {
    return false;
  }
  const started = performance.now();
  options.pages.answer(question, req.headers['if-none-match']).then(
    (answer) => send(res, answer, () => {
      const seconds = (performance.now() - started) / 1000;
      options.metrics.httpRequest('GET', route.pattern, seconds);
      if (options.logger.isLevelEnabled('debug')) options.logger.debug({ method: 'GET', path, status: answer.status, ms: Math.round(seconds * 10_000) / 10 }, 'request');
    }),
    (error: unknown) => {
      answerFailureThroughKoa(req, error);
      void koa(req, res);
    },
  ).catch((error: unknown) => {
    // Writing the answer failed (it should not): one error line, the connection cut, never an unhandled rejection.
    options.logger.error({ err: error, method: 'GET', path }, 'response failed');
    res.destroy();
  });
  return true;
}

/** The query as Koa's `ctx.query` reads it (URLSearchParams; a name given twice: an array). */
function queryOf(search: string): Query {
  const params = new URLSearchParams(search);
  const query: Query = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    query[name] = values.length <= 1 ? values[0] : values;
  }
  return query;
}

/** The route's pattern (the request metric's label, as Koa's router names it) and the thread's customer. */
function routeOf(path: string): { pattern: string; userId: string | null } | null {
  if (path === LIST_ROUTE) return { pattern: LIST_ROUTE, userId: null };
  if (!path.startsWith(THREAD_PREFIX) || !path.endsWith(THREAD_SUFFIX)) return null;
  const userId = path.slice(THREAD_PREFIX.length, -THREAD_SUFFIX.length);
  // A percent-encoded id, or more segments: Koa's router decides.
  if (userId === '' || userId.includes('/') || userId.includes('%')) return null;
  return { pattern: THREAD_ROUTE, userId };
}

function send(res: ServerResponse, answer: PageAnswer, finished: () => void): void {
  res.once('finish', finished);
  const headers: Record<string, string | number> = pageHeaders(answer);
  if (answer.bytes) headers['Content-Length'] = answer.bytes.length;
  res.writeHead(answer.status, headers).end(answer.bytes ?? undefined);
}
