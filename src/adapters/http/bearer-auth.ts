import type { Middleware } from 'koa';
import { HttpError } from './http-error.js';
import { sameSecret } from './signature.js';

/** Every `/api/*` route: `Authorization: Bearer <API_TOKEN>`. */
export function bearerAuth(apiToken: string | null): Middleware {
  return async (ctx, next) => {
    if (!apiToken) throw new HttpError(401, 'api_token_not_configured', 'API_TOKEN is not set on the server, so the API is closed');
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!match) throw new HttpError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <API_TOKEN>)');
    if (!sameSecret(match[1]!, apiToken)) throw new HttpError(401, 'unauthorized', 'invalid bearer token');
    await next();
  };
}
