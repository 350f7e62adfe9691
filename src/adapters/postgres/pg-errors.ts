import { DomainError } from '../../domain/errors.js';

/** SQLSTATE classes and codes that say "the database cannot take this now", not "this is wrong". */
const UNAVAILABLE_CLASSES = ['08', '53', '57'];
const UNAVAILABLE_CODES = new Set(['40001', '40P01', '55P03', '25006']);
const NETWORK = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)$/;

/**
 * Whether an error from `pg` means PostgreSQL is unreachable or too busy (refused, cut, timed out,
 * shutting down, out of connections, a statement cancelled by statement_timeout, a deadlock or a
 * read-only standby after a fail-over): the work can be tried again later. (A connection lost
 * during COMMIT may have committed: what is retried must be idempotent, as a delivery is.)
 */
export function isUnavailable(failure: unknown): boolean {
  const error = driverError(failure);
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2)) || NETWORK.test(code)) return true;
  // pg's own messages for a connection that died or never came (no code).
  return /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed|Query read timeout/i.test((error as Error | null)?.message ?? '');
}

/** A deadlock or a serialization failure: PostgreSQL rolled the transaction back, run it again. */
export function isRetryable(failure: unknown): boolean {
  const code = (driverError(failure) as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * The driver's error behind Drizzle's `DrizzleQueryError`, whose message carries the query's
 * parameters (message texts, tokens): those must never reach a log or an answer.
 */
export function driverError(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && 'query' in current && 'params' in current && current.cause !== undefined) current = current.cause;
  return current;
}

/**
 * Runs `work`; when PostgreSQL cannot take it now (isUnavailable), it fails as `store_busy` (503
 * with Retry-After: Meta delivers again, the inbox asks again) saying it did not `what`; any
 * other failure as the driver's own error, without Drizzle's parameters.
 */
export async function busyWhenUnavailable<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const cause = driverError(error);
    if (isUnavailable(cause)) throw new DomainError('store_busy', `PostgreSQL did not ${what} (${(cause as { code?: string }).code ?? 'connection lost'}); retry later`);
    throw cause;
  }
}
