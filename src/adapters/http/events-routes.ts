import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import type { ChangeFeed } from '../live/change-feed.js';

const KEEP_ALIVE_MS = 20_000;

/**
 * `GET /api/events` (bearer checked by the caller): a server-sent event stream. Each change
 * of the local store is one `change` event `{user_ids, stored, applied}`; the client then
 * re-reads what it shows through the API. A comment line every 20 s keeps proxies from
 * closing the idle stream. The inbox reads it with `fetch`, so the token stays in a header.
 */
export function eventsRoutes(feed: ChangeFeed): Router {
  const router = new Router();
  router.get('/api/events', (ctx) => {
    const stream = new PassThrough();
    const write = (chunk: string) => {
      if (!stream.writableEnded && !stream.destroyed) stream.write(chunk);
    };
    stream.on('error', () => {});
    const ping = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    let unsubscribe = () => {};
    const end = () => {
      clearInterval(ping);
      unsubscribe();
      if (!stream.writableEnded) stream.end();
    };
    unsubscribe = feed.subscribe((change) => write(`event: change\ndata: ${JSON.stringify(change)}\n\n`), end);
    ctx.req.on('close', end);
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setTimeout(0);

    ctx.status = 200;
    ctx.body = stream;
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('X-Accel-Buffering', 'no');
    write('retry: 3000\nevent: ready\ndata: {}\n\n');
  });
  return router;
}
