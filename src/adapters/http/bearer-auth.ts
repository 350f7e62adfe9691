import type { Middleware } from 'koa';
import { HttpError } from './http-error.js';
import { sameSecret } from './signature.js';

/** Every `/api/*` route: `Authorization: Bearer <API_TOKEN>`. */
export function bearerAuth(apiToken: string | null): Middleware {
  return async (ctx, next) => {
    if (!apiToken) throw new HttpError(401, 'api_token_not_configured', 'API_TOKEN is not set on the server, so the API is closed');
    const token = bearerToken(ctx.get('authorization'));
    if (!token) throw new HttpError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <API_TOKEN>)');
    if (!sameSecret(token, apiToken)) throw new HttpError(401, 'unauthorized', 'invalid bearer token');
    await next();
  };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(authorization: string): string | null {
  return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? null;
}

/** Whether an `Authorization` header carries `Bearer <secret>` (compared in constant time). */
export function bearerMatches(authorization: string, secret: string): boolean {
  const token = bearerToken(authorization);
  return token !== null && sameSecret(token, secret);
}
