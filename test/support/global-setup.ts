import mysql from 'mysql2/promise';
import pg from 'pg';
import { buildIfStale } from './compiled.js';
import { adminUrl } from './mysql.js';
import { pgAdminUrl } from './postgres.js';

const hidePassword = (url: string) => url.replace(/:[^:@/]*@/, ':***@');

/**
 * The MySQL and PostgreSQL tests never skip: without a server, the whole run stops here with the
 * reason. The compiled service and tools are built here too, for the tests that start them as
 * processes (support/compiled.ts).
 */
export default async function setup(): Promise<void> {
  await Promise.all([checkMysql(), checkPostgres()]);
  buildIfStale();
}

async function checkMysql(): Promise<void> {
  const url = adminUrl();
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
    await connection.query('SELECT 1');
    await connection.end();
  } catch (error) {
    throw new Error(
      `No MySQL-compatible server for the CRM tests at ${hidePassword(url)}: ${(error as Error).message}. ` +
        'Run `make test` (it starts the local MariaDB), or set CRM_TEST_MYSQL_URL.',
    );
  }
}

async function checkPostgres(): Promise<void> {
  const url = pgAdminUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    // Each test creates a database of its own.
    const [role] = (await client.query<{ ok: boolean }>('SELECT rolcreatedb OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user')).rows;
    if (!role?.ok) throw new Error('its user may not create databases');
  } catch (error) {
    throw new Error(
      `No PostgreSQL server for the PostgreSQL store's tests at ${hidePassword(url)}: ${(error as Error).message}. ` +
        'Run `make test` (it starts the local cluster), or set PG_TEST_URL.',
    );
  } finally {
    await client.end().catch(() => {});
  }
}
