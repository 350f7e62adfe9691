import type { CrmErrorFields } from '../../application/ports/crm-write-error.js';

/** What a failure line carries about an error (declared by the port, filled here). */
export type ErrorFields = CrmErrorFields;

/**
 * The full error of a CRM write: the innermost database or network error (Drizzle and our
 * CrmWriteError wrap it in `cause`), with its `code` (ECONNREFUSED…), `errno`, `sqlState`,
 * `sqlMessage` and stack. Never the statement (`sql`) or its values: they hold customers' texts.
 */
export function errorFields(error: unknown, depth = 0): ErrorFields {
  const root = innermost(error);
  if (!root || typeof root !== 'object') return { type: typeof root, message: String(root) };
  const e = root as Record<string, unknown> & { errors?: unknown[] };
  const nested = Array.isArray(e.errors) && depth < 2 ? e.errors.slice(0, 5).map((inner) => errorFields(inner, depth + 1)) : undefined;
  const fields: ErrorFields = {
    type: (root as Error).name ?? (root as object).constructor?.name ?? 'Error',
    message: typeof e.message === 'string' && e.message ? e.message : nested?.map((inner) => inner.message).join('; ') || String(root),
  };
  const code = typeof e.code === 'string' ? e.code : nested?.find((inner) => inner.code)?.code;
  if (code) fields.code = code;
  if (typeof e.errno === 'number') fields.errno = e.errno;
  if (typeof e.sqlState === 'string') fields.sqlState = e.sqlState;
  if (typeof e.sqlMessage === 'string') fields.sqlMessage = e.sqlMessage;
  if (typeof e.fatal === 'boolean') fields.fatal = e.fatal;
  if (typeof e.stack === 'string') fields.stack = e.stack;
  if (nested) fields.errors = nested;
  return fields;
}

/** Follows `cause` down to the error that started it (at most a few levels). */
function innermost(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 5; i++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  return current;
}
