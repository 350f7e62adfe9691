import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from '../../application/ports/logger.js';
import { MIGRATIONS_LOCK } from './advisory-locks.js';
import { driverError, isUnavailable } from './pg-errors.js';
import * as schema from './schema.js';

export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/**
 * Drizzle on the one pooled connection a transaction runs on, inside BEGIN … COMMIT (what
 * `inTransaction` hands its work), with that connection as `$client` for statements prepared once
 * (named: parsed and planned once per connection).
 */
export type PgTx = NodePgDatabase<typeof schema> & { $client: pg.PoolClient };

export interface PostgresOptions {
  /** PG_POOL_MAX: connections this instance opens at most. */
  poolMax: number;
  /** PG_STATEMENT_TIMEOUT_MS: the server cancels a statement running longer (every connection). */
  statementTimeoutMs: number;
  /** How long opening a connection may take before it fails. */
  connectTimeoutMs?: number;
  /** Where a connection's error is reported when no query was waiting for it. */
  logger?: Pick<Logger, 'warn'>;
}

const CONNECT_TIMEOUT_MS = 5_000;
/** How much longer than PG_STATEMENT_TIMEOUT_MS the client waits for an answer before it gives up. */
const QUERY_TIMEOUT_MARGIN_MS = 2_000;
const MIGRATIONS = fileURLToPath(new URL('../../../drizzle-pg', import.meta.url));

/**
 * A Drizzle database over a `pg` pool. Every connection gets `statement_timeout`, and
 * `idle_in_transaction_session_timeout` so that a wedged instance cannot hold row or advisory
 * locks for ever. Times are epoch milliseconds in bigint columns: no timestamp type, no time zone.
 *
 * An error on a connection nobody is using (the server restarted, a network cut) is reported, and
 * the pool drops that connection; it never reaches the process as an unhandled 'error' event.
 * The same for a connection lent out between two queries: its next query fails instead.
 */
export function openPostgres(url: string, options: PostgresOptions): PgDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMs,
    // The server cancels a slow statement; a network that stops carrying packets cannot tell it
    // to. This client-side bound (a little longer) answers the caller then; the session's open
    // transaction, if any, is ended by the server's idle_in_transaction_session_timeout.
    query_timeout: options.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
    idle_in_transaction_session_timeout: Math.max(10_000, 2 * options.statementTimeoutMs),
    keepAlive: true,
    application_name: 'igbridge',
  });
  const report = (error: Error) => options.logger?.warn({ err: { code: (error as { code?: string }).code, message: error.message } }, 'PostgreSQL connection error');
  // Idle: the pool removes the connection and emits this. Lent out: the error fails the next query
  // of whoever holds it, so the listener only keeps it from being an uncaught 'error' event.
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', () => {}));
  return drizzle({ client: pool, schema }) as PgDb;
}

/**
 * Applies drizzle-pg/ migrations under a session advisory lock: several instances starting at
 * once take turns, the first migrates, the others find nothing left to do. The lock and the
 * migration use the same connection, and the lock goes with it if the process dies.
 */
export async function migratePostgres(db: PgDb): Promise<void> {
  const client = await db.$client.connect();
  let broken: Error | undefined;
  try {
    const session = drizzle({ client, schema });
    await session.execute(sql`SELECT pg_advisory_lock(${MIGRATIONS_LOCK[0]}, ${MIGRATIONS_LOCK[1]})`);
    try {
      await migrate(session, { migrationsFolder: MIGRATIONS });
    } finally {
      await session.execute(sql`SELECT pg_advisory_unlock(${MIGRATIONS_LOCK[0]}, ${MIGRATIONS_LOCK[1]})`);
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    // A connection that failed mid-way is closed rather than lent again (it may still hold the lock).
    client.release(broken);
  }
}

/** Drizzle on each pooled connection, made once: a pool lends the same few connections again and again. */
const onConnection = new WeakMap<pg.PoolClient, PgTx>();

/**
 * Runs `work` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it
 * throws. Drizzle's own `db.transaction` sends BEGIN outside its try, so a BEGIN that fails (the
 * connection died, the network stopped: `query_timeout`) never gave the connection back, and a
 * few such failures emptied the pool for good. Here the connection always goes back, and one that
 * failed for want of PostgreSQL (timed out, cut) is closed rather than lent again: a query that
 * timed out on the client may still be running on it.
 */
export async function inTransaction<T>(db: PgDb, work: (tx: PgTx) => Promise<T>): Promise<T> {
  const client = await db.$client.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      let tx = onConnection.get(client);
      if (!tx) onConnection.set(client, (tx = drizzle({ client, schema })));
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw error;
    }
  } catch (error) {
    if (isUnavailable(driverError(error))) broken ??= error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}
