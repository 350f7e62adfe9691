import type { Context, Middleware, Next } from 'koa';
import { HttpError } from './http-error.js';
import { isApiPath } from './api-path.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ApiGateOptions {
  /** The bearer check (bearerAuth). */
  requireToken: Middleware;
  /** Origins besides the service's own that a browser may call `/api/*` from. */
  allowedOrigins: readonly string[];
}

/**
 * Everything in front of the `/api` handlers, for every path that could reach them whatever
 * its case, slashes, dot segments or percent-encoding: a foreign `Origin` → 403
 * `forbidden_origin`; a CORS preflight from an allowed origin → 204 (its answers may show their
 * `ETag` and `Retry-After`, and pages may be asked with `If-None-Match`); then the bearer; then
 * writes must be `Content-Type: application/json` → else 415 `unsupported_media_type` (a
 * cross-site "simple" request cannot send that type without a preflight).
 */
export function apiGate({ requireToken, allowedOrigins }: ApiGateOptions): Middleware {
  return async (ctx, next) => {
    if (!isApiPath(ctx.path)) return next();
    const origin = ctx.get('origin');
    if (origin) {
      if (origin !== ownOrigin(ctx) && !allowedOrigins.includes(origin)) {
        throw new HttpError(403, 'forbidden_origin', `requests from origin ${origin} are not allowed (API_ALLOWED_ORIGINS)`);
      }
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Expose-Headers', 'ETag, Retry-After');
      ctx.vary('Origin');
      if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) return preflight(ctx);
    }
    return requireToken(ctx, () => requireJson(ctx, next));
  };
}

function ownOrigin(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}`;
}

function preflight(ctx: Context): void {
  ctx.set('Access-Control-Allow-Methods', 'GET, POST');
  ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-None-Match');
  ctx.set('Access-Control-Max-Age', '600');
  ctx.status = 204;
}

function requireJson(ctx: Context, next: Next): Promise<unknown> {
  if (!SAFE_METHODS.has(ctx.method)) {
    const type = ctx.get('content-type').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new HttpError(415, 'unsupported_media_type', `${ctx.method} ${ctx.path} needs Content-Type: application/json${type ? `, not ${type}` : ''}`);
    }
  }
  return next();
}
