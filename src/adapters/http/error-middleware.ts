import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { DomainError } from '../../domain/errors.js';
import { HttpError } from './http-error.js';

/** Domain error codes → HTTP status. Unlisted domain codes answer 422. */
const STATUS_BY_CODE: Record<string, number> = {
  invalid_request: 400,
  invalid_payload: 400,
  not_found: 404,
  graph_error: 502,
  graph_unreachable: 502,
  graph_timeout: 504,
  graph_not_configured: 503,
};

/** The one place that turns errors into `{"error": {"code", "message"}}` answers and logs them. */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (error) {
      const { status, code, message, details } = describe(error);
      ctx.status = status;
      ctx.body = { error: { code, message, ...details } };
      if (status >= 500 && !(error instanceof DomainError)) {
        logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      }
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  };
}

function describe(error: unknown): { status: number; code: string; message: string; details?: Record<string, unknown> } {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) {
    return { status: STATUS_BY_CODE[error.code] ?? 422, code: error.code, message: error.message, details: error.details };
  }
  return { status: 500, code: 'internal_error', message: 'internal error; see the service log' };
}
