import { describe, expect, it } from 'vitest';
import { CrmWriteError } from '../../src/application/ports/crm-write-error.js';
import { classifySent } from '../../src/adapters/mysql/mysql-error.js';

function mysqlError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.sqlMessage ?? fields.code)), fields);
}

describe('classifySent: what a failed CRM statement means for its rows', () => {
  it('when the CRM refuses the data (SQLSTATE 22/23), then the rows are rejected', () => {
    expect(classifySent(mysqlError({ errno: 1406, sqlState: '22001', code: 'ER_DATA_TOO_LONG', sqlMessage: "Data too long for column 'message'" })).kind).toBe('rejected');
    expect(classifySent(mysqlError({ errno: 4025, sqlState: '23000', code: 'ER_CONSTRAINT_FAILED' })).kind).toBe('rejected');
  });

  it('when drizzle wraps the error, then its cause decides', () => {
    const wrapped = Object.assign(new Error('Failed query: insert …'), { cause: mysqlError({ errno: 1406, sqlState: '22001', code: 'ER_DATA_TOO_LONG' }) });
    expect(classifySent(wrapped)).toMatchObject({ kind: 'rejected', message: expect.stringContaining('ER_DATA_TOO_LONG') });
  });

  it('when the CRM answers that the statement failed for another reason, then nothing was written', () => {
    expect(classifySent(mysqlError({ errno: 1146, sqlState: '42S02', code: 'ER_NO_SUCH_TABLE' })).kind).toBe('unavailable');
    expect(classifySent(mysqlError({ errno: 1205, sqlState: 'HY000', code: 'ER_LOCK_WAIT_TIMEOUT' })).kind).toBe('unavailable');
  });

  it('when the connection broke or the statement was interrupted, then the outcome is unknown', () => {
    expect(classifySent(mysqlError({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true })).kind).toBe('in_doubt');
    expect(classifySent(mysqlError({ code: 'ECONNRESET', errno: -104, fatal: true })).kind).toBe('in_doubt');
    expect(classifySent(mysqlError({ errno: 1927, sqlState: '70100', code: 'ER_CONNECTION_KILLED' })).kind).toBe('in_doubt');
    expect(classifySent(new Error('something else')).kind).toBe('in_doubt');
  });

  it('when it is already classified, then it is kept', () => {
    const unavailable = new CrmWriteError('unavailable', 'no CRM connection within 30000 ms');
    expect(classifySent(unavailable)).toBe(unavailable);
  });
});
