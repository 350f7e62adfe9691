import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import Router from '@koa/router';
import { EXACT_PATHS } from './route-matching.js';
import type { Context } from 'koa';

/** Beside this file (tsx, the way `make run` starts); from a `tsc` build in dist/, the sources. */
const DIR = [new URL('./inbox/', import.meta.url), new URL('../../../../src/adapters/http/inbox/', import.meta.url)].find((dir) =>
  existsSync(new URL('index.html', dir)),
) ?? new URL('./inbox/', import.meta.url);

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(name: string, type: string, transform: (text: string) => string = (text) => text): Asset {
  const body = Buffer.from(transform(readFileSync(new URL(name, DIR), 'utf8')));
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** The page may load only its own files; images (attachments) may come from Instagram's CDN. */
const CSP = [
  "default-src 'self'",
  "img-src 'self' https: data:",
  "media-src 'self' https:",
  "connect-src 'self'",
  "style-src 'self'",
  "script-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /`: the inbox, plain HTML/CSS/JS read once at start-up (no build step). The page is
 * revalidated on every load (`no-cache` + ETag → 304); its CSS and JS are addressed by
 * content hash (`?v=`), so they are cached for a year and change when the files change.
 */
export function inboxRoutes(): Router {
  const css = asset('inbox.css', 'text/css; charset=utf-8');
  const js = asset('inbox.js', 'text/javascript; charset=utf-8');
  const version = (a: Asset) => a.etag.slice(1, 13);
  const html = asset('index.html', 'text/html; charset=utf-8', (text) =>
    text.replace('{{css}}', `/inbox/inbox.css?v=${version(css)}`).replace('{{js}}', `/inbox/inbox.js?v=${version(js)}`),
  );

  const serve = (file: Asset, cacheControl: string) => (ctx: Context) => {
    ctx.set('Cache-Control', cacheControl);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.etag = file.etag;
    ctx.type = file.type;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = file.body;
  };
  const immutable = (file: Asset) => (ctx: Context) =>
    serve(file, ctx.query.v === version(file) ? 'public, max-age=31536000, immutable' : 'no-cache')(ctx);

  const router = new Router(EXACT_PATHS);
  router.get('/', (ctx) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Frame-Options', 'DENY');
    serve(html, 'no-cache')(ctx);
  });
  router.get('/inbox/inbox.css', immutable(css));
  router.get('/inbox/inbox.js', immutable(js));
  return router;
}
