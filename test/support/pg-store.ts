import { readFileSync } from 'node:fs';
import { onTestFinished } from 'vitest';
import { migratePostgres, openPostgres, type PgDb } from '../../src/adapters/postgres/database.js';
import { createPgDatabase, type PgTestDatabase } from './postgres.js';

export interface MigratedPgDatabase extends PgTestDatabase {
  /** A pool of its own on this database (closed after the test). */
  open(poolMax?: number): PgDb;
}

/**
 * A fresh database with igbridge's migrations applied, and the pools a test opens on it, all closed
 * and dropped after the test. Call from a test (it registers its own clean-up).
 */
export async function migratedPgDatabase(): Promise<MigratedPgDatabase> {
  const database = await createPgDatabase();
  const pools: PgDb[] = [];
  const open = (poolMax = 4) => {
    const db = openPostgres(database.url, { poolMax, statementTimeoutMs: 10_000 });
    pools.push(db);
    return db;
  };
  onTestFinished(async () => {
    await Promise.all(pools.map((db) => db.$client.end().catch(() => {})));
    await database.drop();
  });
  await migratePostgres(open());
  return { ...database, open };
}

/** How many migrations drizzle-pg/ holds (what a migrated database's journal table counts). */
export const PG_MIGRATIONS = (JSON.parse(readFileSync(new URL('../../drizzle-pg/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }).entries.length;
