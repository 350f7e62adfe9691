import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { Metrics } from '../../application/ports/metrics.js';
import { DomainError } from '../../domain/errors.js';
import { HttpError } from './http-error.js';
import { RefusalLog } from './refusal-log.js';
import type { ErrorBody } from './schemas/error-body.js';

/** Domain error codes → HTTP status. Unlisted domain codes answer 422. */
const STATUS_BY_CODE: Record<string, number> = {
  invalid_request: 400,
  invalid_payload: 400,
  account_required: 400,
  unknown_account: 400,
  not_found: 404,
  graph_error: 502,
  graph_unreachable: 502,
  graph_timeout: 504,
  graph_not_configured: 503,
  store_busy: 503,
};

/** Domain codes that mean "try again later", with the seconds to wait. */
const RETRY_AFTER_BY_CODE: Record<string, string> = { store_busy: '2' };

/** Answers that mean a limit of SPEC §9 was hit: counted in `igbridge_limit_refusals_total`. */
const LIMIT_CODES = new Set(['overloaded', 'body_timeout', 'payload_too_large', 'too_many_streams', 'store_busy', 'incomplete_body']);

/**
 * The one place that turns errors into `{"error": {"code", "message"}}` answers and logs them.
 * Only an unexpected error (a 500) is logged as one: an HttpError or a DomainError is an answer
 * the code chose; a limit's refusals go to the RefusalLog (once a minute per reason), never a
 * line with a stack each.
 */
export function errorMiddleware(logger: Logger, metrics: Pick<Metrics, 'limitRefusal'>, now: () => number = Date.now): Middleware {
  const refusals = new RefusalLog(logger, now);
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
      const body: ErrorBody = { error: { code, message, ...details } };
      ctx.body = body;
      if (error instanceof HttpError && error.headers) ctx.set(error.headers);
      if (RETRY_AFTER_BY_CODE[code]) ctx.set('Retry-After', RETRY_AFTER_BY_CODE[code]);
      if (LIMIT_CODES.has(code)) {
        metrics.limitRefusal(code);
        refusals.refused(code, { code }, `request refused by a limit (${code}): ${message}; counted in igbridge_limit_refusals_total`);
      }
      if (!ctx.req.complete && !smallRemainder(ctx.req.headers)) ctx.set('Connection', 'close');
      if (!(error instanceof HttpError) && !(error instanceof DomainError)) {
        logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      }
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  };
}

/** A refused body declared at most this long is read past, not cut: its sender keeps the connection. */
export const READ_PAST_BYTES = 64 * 1024;

/**
 * Whether a body left unread (refused before or while it arrived) is small enough to read past:
 * Node then reads and drops it after the answer, and the sender — Meta, with its few-KiB
 * deliveries on kept connections — sends its retry on the same connection. Cutting it would
 * send that retry through a new handshake, which waits in the kernel's accept queue behind
 * whatever else is connecting (a flood of 1,500 connections took 0.3–0.8 s to get through, with
 * the event loop half idle). A larger or undeclared (chunked) body is not waited for: the
 * connection closes — as it does when the error itself says so (a body that stopped coming).
 */
function smallRemainder(headers: Record<string, string | string[] | undefined>): boolean {
  const declared = Number(headers['content-length'] ?? Number.NaN);
  return Number.isSafeInteger(declared) && declared <= READ_PAST_BYTES && headers['transfer-encoding'] === undefined;
}

function describe(error: unknown): { status: number; code: string; message: string; details?: Record<string, unknown> } {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) {
    return { status: STATUS_BY_CODE[error.code] ?? 422, code: error.code, message: error.message, details: error.details };
  }
  return { status: 500, code: 'internal_error', message: 'internal error; see the service log' };
}

const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * Koa's own `error` event (a response that could not be written): a client that went away is
 * one warn line, anything else one error line — never Koa's default stack trace on stderr.
 */
export function reportResponseError(logger: Logger): (error: NodeJS.ErrnoException, ctx?: { method: string; path: string }) => void {
  return (error, ctx) => {
    const where = { method: ctx?.method, path: ctx?.path };
    if (CLIENT_GONE.has(error.code ?? '') || error.message === 'aborted') {
      logger.warn({ ...where, code: error.code ?? 'aborted' }, 'client went away before the answer was written');
    } else {
      logger.error({ ...where, err: error }, 'response failed');
    }
  };
}
