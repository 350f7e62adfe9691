import Router from '@koa/router';
import type { Change, ChangeFeed } from '../../application/ports/change-feed.js';
import { EXACT_PATHS } from './route-matching.js';
import type { Metrics } from '../../application/ports/metrics.js';
import { HttpError } from './http-error.js';

const KEEP_ALIVE_MS = 20_000;
/** Bytes written to a stream and not yet taken by its reader, past which the reader is dropped. */
export const MAX_UNREAD_BYTES = 64 * 1024;

export interface StreamLimits {
  /** EVENTS_MAX_CLIENTS: open streams at most → beyond, `503 too_many_streams`. */
  maxClients: number;
  metrics: Pick<Metrics, 'limitInUse' | 'limitRefusal'>;
}

/**
 * `GET /api/events` (bearer checked by the caller): a server-sent event stream. Each change
 * of the local store is one `change` event `{user_ids, stored, applied}`; the client then
 * re-reads what it shows through the API. A comment line every 20 s keeps proxies from
 * closing the idle stream. The inbox reads it with `fetch`, so the token stays in a header.
 * The response is written directly (not through Koa's body pipeline): a client going away is
 * the normal end of a stream, not an error to report. At most EVENTS_MAX_CLIENTS streams are
 * open; a client that stops reading is dropped once MAX_UNREAD_BYTES wait for it.
 */
/** Every stream gets the same change object from one fan-out: it is serialised once. */
const frames = new WeakMap<Change, string>();
function frame(change: Change): string {
  let text = frames.get(change);
  if (text === undefined) frames.set(change, (text = `event: change\ndata: ${JSON.stringify(change)}\n\n`));
  return text;
}

export function eventsRoutes(feed: ChangeFeed, { maxClients, metrics }: StreamLimits): Router {
  const router = new Router(EXACT_PATHS);
  router.get('/api/events', (ctx) => {
    if (ctx.method !== 'HEAD' && feed.size >= maxClients) {
      throw new HttpError(503, 'too_many_streams', `${maxClients} event streams are open already (EVENTS_MAX_CLIENTS); retry later`, undefined, { 'Retry-After': '10' });
    }
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
      if (res.writableEnded || res.destroyed) return;
      if (res.writableLength > MAX_UNREAD_BYTES) {
        // A reader this far behind is not reading: drop it rather than buffer for it.
        metrics.limitRefusal('slow_stream_reader');
        res.destroy();
        return;
      }
      res.write(chunk);
    };
    const ping = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    let unsubscribe = () => {};
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(ping);
      unsubscribe();
      metrics.limitInUse('event_streams', feed.size);
      if (!res.writableEnded) res.end();
    };
    unsubscribe = feed.subscribe((change) => write(frame(change)), end);
    metrics.limitInUse('event_streams', feed.size);
    res.on('close', end);
    res.on('error', end);
    write('retry: 3000\nevent: ready\ndata: {}\n\n');
  });
  return router;
}
