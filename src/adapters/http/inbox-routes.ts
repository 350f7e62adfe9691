import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import Router from '@koa/router';
import { EXACT_PATHS } from './route-matching.js';
import type { Context } from 'koa';

/** Beside this file (run from src/ by tsx, as the tests do); from a build in dist/ (npm start), the sources'. */
const DIR = [new URL('./inbox/', import.meta.url), new URL('../../../src/adapters/http/inbox/', import.meta.url)].find((dir) =>
  existsSync(new URL('index.html', dir)),
) ?? new URL('./inbox/', import.meta.url);

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const hash = (data: string | Buffer) => createHash('sha256').update(data).digest('base64url').slice(0, 22);

function asset(text: string, type: string): Asset {
  const body = Buffer.from(text);
  return { body, type, etag: `"${hash(body)}"` };
}

const read = (name: string) => readFileSync(new URL(name, DIR), 'utf8');

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
 * The inbox's files, read once at start-up (no build step): the ES modules (`*.js`, the entry
 * is inbox.js), the stylesheet and the icon. Every file is addressed with `?v=` = a hash of all
 * of them, and the modules' relative imports get the same `?v=`, so the browser caches the set
 * for a year and fetches it again when any file changed.
 */
function inboxAssets(): { files: Map<string, Asset>; version: string } {
  const names = readdirSync(DIR).filter((name) => /\.(js|css|svg)$/.test(name)).sort();
  const sources = new Map(names.map((name) => [name, read(name)]));
  const version = hash(names.map((name) => `${name}\n${sources.get(name)}`).join('\n')).slice(0, 12);
  const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
  const files = new Map<string, Asset>();
  for (const [name, text] of sources) {
    const versioned = name.endsWith('.js') ? text.replace(/(from\s+|import\s*\(\s*)'(\.\/[\w-]+\.js)'/g, `$1'$2?v=${version}'`) : text;
    files.set(name, asset(versioned, types[name.split('.').pop()!]!));
  }
  return { files, version };
}

/**
 * `GET /`: the inbox page, revalidated on every load (`no-cache` + ETag → 304);
 * `GET /inbox/:file`: its modules, stylesheet and icon; `GET /favicon.ico`: the icon.
 */
export function inboxRoutes(): Router {
  const { files, version } = inboxAssets();
  const html = asset(
    read('index.html').replace(/\{\{(\w+\.\w+)\}\}/g, (_, name: string) => `/inbox/${name}?v=${version}`),
    'text/html; charset=utf-8',
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

  const router = new Router(EXACT_PATHS);
  router.get('/', (ctx) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Frame-Options', 'DENY');
    serve(html, 'no-cache')(ctx);
  });
  router.get('/inbox/:file', (ctx, next) => {
    const file = files.get(ctx.params.file!);
    if (!file) return next();
    serve(file, ctx.query.v === version ? 'public, max-age=31536000, immutable' : 'no-cache')(ctx);
  });
  router.get('/favicon.ico', (ctx) => serve(files.get('favicon.svg')!, 'public, max-age=86400')(ctx));
  return router;
}
