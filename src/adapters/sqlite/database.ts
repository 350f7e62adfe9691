import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type SqliteDb = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * How long one statement of the service waits for another process's lock. Short: better-sqlite3
 * waits on the event loop, so the webhook store retries asynchronously instead
 * (SqliteMessageStore). Command-line tools, which answer nobody, wait longer.
 */
export const BUSY_TIMEOUT_MS = 50;
export const CLI_BUSY_TIMEOUT_MS = 5_000;

const MIGRATIONS = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * Opens (creating the folder if needed) and migrates the local database. WAL lets the read
 * API run beside the webhook's writes; synchronous=FULL because a 200 to Meta is a promise
 * that the message is on disk.
 */
export function openSqlite(path: string, busyTimeoutMs = BUSY_TIMEOUT_MS): SqliteDb {
  // Every DM is in these files: the folder 0700, the database, -wal and -shm 0600.
  process.umask(0o077);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const client = new Database(path);
  client.pragma('journal_mode = WAL');
  client.pragma('synchronous = FULL');
  client.pragma(`busy_timeout = ${busyTimeoutMs}`);
  client.pragma('foreign_keys = ON');
  const db = drizzle({ client, schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return db as SqliteDb;
}
