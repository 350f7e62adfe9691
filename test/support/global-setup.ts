import mysql from 'mysql2/promise';
import { adminUrl } from './mysql.js';

/** The MySQL tests never skip: without a server, the whole run stops here with the reason. */
export default async function setup(): Promise<void> {
  const url = adminUrl();
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
    await connection.query('SELECT 1');
    await connection.end();
  } catch (error) {
    throw new Error(
      `No MySQL-compatible server for the CRM tests at ${url.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}. ` +
        'Run `make test` (it starts the local MariaDB), or set CRM_TEST_MYSQL_URL.',
    );
  }
}
