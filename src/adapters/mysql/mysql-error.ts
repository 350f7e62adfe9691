import { CrmWriteError } from '../../application/ports/crm-write-error.js';

interface MysqlError {
  errno?: number;
  sqlState?: string;
  fatal?: boolean;
  code?: string;
  message?: string;
  sqlMessage?: string;
}

/** ER_QUERY_INTERRUPTED, ER_CONNECTION_KILLED, ER_SERVER_SHUTDOWN: the server gave up mid-way. */
const INTERRUPTED = new Set([1317, 1927, 1053]);

/**
 * Classifies the error of a statement that was sent: mysql2's own, or one that wraps it in `cause`
 * (as Drizzle's does). What a log says about an error is `errorFields`'s business.
 */
export function classifySent(error: unknown): CrmWriteError {
  if (error instanceof CrmWriteError) return error;
  const e = (((error as { cause?: unknown })?.cause as MysqlError | undefined)?.errno !== undefined
    ? (error as { cause: unknown }).cause
    : error) as MysqlError;
  const text = e?.sqlMessage ?? e?.message ?? String(error);
  if (e?.errno !== undefined && !e.fatal && !INTERRUPTED.has(e.errno)) {
    const data = e.sqlState?.startsWith('22') || e.sqlState?.startsWith('23');
    return new CrmWriteError(data ? 'rejected' : 'unavailable', `${e.code ?? 'ER'} (${e.errno}/${e.sqlState}): ${text}`, e);
  }
  return new CrmWriteError('in_doubt', `${e?.code ?? 'error'}: ${text} (outcome unknown)`, e);
}
