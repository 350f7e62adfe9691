import Router from '@koa/router';
import type { ChangeFeed } from '../../application/ports/change-feed.js';
import { EXACT_PATHS } from './route-matching.js';

const KEEP_ALIVE_MS = 20_000;

/**
 * `GET /api/events` (bearer checked by the caller): a server-sent event stream. Each change
 * of the local store is one `change` event `{user_ids, stored, applied}`; the client then
 * re-reads what it shows through the API. A comment line every 20 s keeps proxies from
 * closing the idle stream. The inbox reads it with `fetch`, so the token stays in a header.
 * The response is written directly (not through Koa's body pipeline): a client going away is
 * the normal end of a stream, not an error to report.
 */
export function eventsRoutes(feed: ChangeFeed): Router {
  const router = new Router(EXACT_PATHS);
  router.get('/api/events', (ctx) => {
    const { req, res } = ctx;
    ctx.respond = false;
    ctx.status = 200;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    if (ctx.method === 'HEAD') {
      res.end();
      return;
    }
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);
    const write = (chunk: string) => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    };
    const ping = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    let unsubscribe = () => {};
    const end = () => {
      clearInterval(ping);
      unsubscribe();
      if (!res.writableEnded) res.end();
    };
    unsubscribe = feed.subscribe((change) => write(`event: change\ndata: ${JSON.stringify(change)}\n\n`), end);
    res.on('close', end);
    res.on('error', end);
    write('retry: 3000\nevent: ready\ndata: {}\n\n');
  });
  return router;
}
