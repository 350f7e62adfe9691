import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/adapters/postgres/database.js';
import { PgMessageStore } from '../../src/adapters/postgres/pg-message-store.js';
import { newMessage } from '../contract/message-store.contract.js';
import { migratedPgDatabase } from '../support/pg-store.js';
import { waitFor } from '../support/wait.js';

const config = { crm: { enabled: true } as never, deferredChangeTtlMs: 48 * 3_600_000 };
const clock = { now: () => 1_800_000_000_000 };

function recordingLogger() {
  const warnings: Array<{ fields: any; message: string }> = [];
  return { warnings, warn: (fields: object, message: string) => void warnings.push({ fields, message }) };
}

describe('openPostgres', () => {
  it('when a connection is opened, then it carries the statement timeout, an idle-in-transaction timeout and the application name', async () => {
    const database = await migratedPgDatabase();
    const db = openPostgres(database.url, { poolMax: 1, statementTimeoutMs: 1_500 });
    try {
      const { rows } = await db.$client.query("SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('application_name') AS name");
      expect(rows).toEqual([{ statement: '1500ms', idle: '10s', name: 'igbridge' }]);
    } finally {
      await db.$client.end();
    }
  });

  it('when a statement runs longer than PG_STATEMENT_TIMEOUT_MS, then PostgreSQL cancels it', async () => {
    const database = await migratedPgDatabase();
    const db = openPostgres(database.url, { poolMax: 1, statementTimeoutMs: 100 });
    try {
      await expect(db.$client.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await db.$client.end();
    }
  });

  it('when a table stays locked past the statement timeout, then the delivery is refused as store_busy and nothing is stored', async () => {
    const database = await migratedPgDatabase();
    const db = openPostgres(database.url, { poolMax: 2, statementTimeoutMs: 200 });
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE messages IN EXCLUSIVE MODE');
      await expect(new PgMessageStore(db, config, clock).record([{ kind: 'message', message: newMessage('a') }])).rejects.toMatchObject({ code: 'store_busy' });
      await locker.query('ROLLBACK');
      expect(await database.rows('SELECT count(*)::int AS n FROM messages')).toEqual([{ n: 0 }]);
    } finally {
      await locker.end();
      await db.$client.end();
    }
  });

  it('when PostgreSQL ends an idle pooled connection, then the error is reported, the process goes on and the next query gets a new connection', async () => {
    const database = await migratedPgDatabase();
    const logger = recordingLogger();
    const db = openPostgres(database.url, { poolMax: 1, statementTimeoutMs: 5_000, logger });
    try {
      const { rows: [{ pid }] } = await db.$client.query('SELECT pg_backend_pid() AS pid');
      await database.rows('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor(() => logger.warnings.length > 0, 'the idle connection\'s error');
      expect(logger.warnings[0]).toMatchObject({ message: 'PostgreSQL connection error', fields: { err: { code: '57P01' } } });
      const { rows: [next] } = await db.$client.query('SELECT pg_backend_pid() AS pid');
      expect(next.pid).not.toBe(pid);
    } finally {
      await db.$client.end();
    }
  });

  it('when PostgreSQL ends a connection lent out between two statements, then the next statement fails and nothing escapes', async () => {
    const database = await migratedPgDatabase();
    const db = openPostgres(database.url, { poolMax: 1, statementTimeoutMs: 5_000 });
    try {
      const client = await db.$client.connect();
      const { rows: [{ pid }] } = await client.query('SELECT pg_backend_pid() AS pid');
      await database.rows('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor(async () => !(await database.rows('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length, 'the backend to end');
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      expect((await db.$client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.$client.end();
    }
  });
});
