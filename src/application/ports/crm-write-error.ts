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

/**
 * What a `CrmWriter` throws. Anything else it throws is taken as `in_doubt`. `reported`: the
 * writer already logged it in full (a table that does not fit, naming the column), so the
 * caller only acts on it.
 */
export class CrmWriteError extends Error {
  constructor(
    readonly kind: CrmFailure,
    message: string,
    override readonly cause?: unknown,
    readonly reported = false,
  ) {
    super(message);
    this.name = 'CrmWriteError';
  }
}
