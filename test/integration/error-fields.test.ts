import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { errorFields } from '../../src/adapters/mysql/error-fields.js';
import { adminUrl } from '../support/mysql.js';

describe('errorFields (what a CRM failure line says about the error)', () => {
  it('when mysql2 cannot connect (nothing listens), then code ECONNREFUSED, errno and the stack are there, through any wrapping', async () => {
    const refused = await mysql.createConnection({ host: '127.0.0.1', port: 9, user: 'x', connectTimeout: 2_000 }).catch((error: unknown) => error);
    const wrapped = new Error('cannot connect to the CRM', { cause: refused });

    const fields = errorFields(wrapped);

    expect(fields).toMatchObject({ code: 'ECONNREFUSED', errno: -111, message: expect.stringContaining('ECONNREFUSED') });
    expect(fields.stack).toMatch(/\n\s+at /);
    expect(fields.type).not.toBe('Object');
  });

  it('when the server refuses a statement, then sqlState, sqlMessage and errno are there and the statement is not', async () => {
    const connection = await mysql.createConnection(adminUrl());
    const failed = await connection.query('SELECT * FROM no_such_table_here WHERE secret = ?', ['customer text']).catch((error: unknown) => error);
    await connection.end();

    const fields = errorFields(failed);

    expect(fields).toMatchObject({ code: 'ER_NO_SUCH_TABLE', errno: 1146, sqlState: '42S02', sqlMessage: expect.stringContaining('no_such_table_here') });
    expect(JSON.stringify(fields)).not.toContain('customer text');
  });

  it('when the error is an AggregateError (several addresses tried), then its code and each inner error are kept', () => {
    const inner = [Object.assign(new Error('connect ECONNREFUSED ::1:3306'), { code: 'ECONNREFUSED', errno: -111 }), Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED', errno: -111 })];
    const aggregate = new AggregateError(inner, '');

    const fields = errorFields(aggregate);

    expect(fields.type).toBe('AggregateError');
    expect(fields.code).toBe('ECONNREFUSED');
    expect(fields.message).toBe('connect ECONNREFUSED ::1:3306; connect ECONNREFUSED 127.0.0.1:3306');
    expect(fields.errors).toHaveLength(2);
  });
});
