/**
 * How a CRM write failed, which decides what happens to its rows:
 * - `unavailable`: nothing reached the CRM, or the CRM answered that the statement failed as a
 *   whole (connection refused, acquire timeout, missing table, lock wait timeout): retry later as is.
 * - `in_doubt`: the statement was sent and no answer came (write timeout, connection lost):
 *   it may have committed. Retried one row at a time with an insert-where-not-exists.
 * - `rejected`: the CRM refused the data (a data exception or integrity constraint, e.g. a text
 *   too long under strict mode): nothing was written; a batch is split until the bad row is alone.
 */
export type CrmFailure = 'unavailable' | 'in_doubt' | 'rejected';

/** What a failure line carries about an error: everything an operator needs, nothing of the statement. */
export interface CrmErrorFields {
  type: string;
  message: string;
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  fatal?: boolean;
  stack?: string;
  /** An AggregateError's errors (mysql2 connecting to a host name with several addresses). */
  errors?: CrmErrorFields[];
}

/**
 * What a `CrmWriter` throws. Anything else it throws is taken as `in_doubt`. `reported`: the
 * writer already logged it in full (a table that does not fit, naming the column), so the
 * caller only acts on it. `fields`: the whole error for a log line (the writer leaves a
 * `rejected` write's line to the caller, which alone knows what becomes of the rows).
 */
export class CrmWriteError extends Error {
  constructor(
    readonly kind: CrmFailure,
    message: string,
    override readonly cause?: unknown,
    readonly reported = false,
    readonly fields?: CrmErrorFields,
  ) {
    super(message);
    this.name = 'CrmWriteError';
  }
}

/** The CRM table does not fit the mapping (SPEC §10): the mirror stays off; the message names the column. */
export class CrmMisfitError extends CrmWriteError {
  constructor(message: string) {
    super('unavailable', message, undefined, true);
    this.name = 'CrmMisfitError';
  }
}
