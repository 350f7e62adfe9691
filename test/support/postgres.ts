import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** SPEC §14: PG_TEST_URL, else the local server (trust auth, user postgres). */
export function pgAdminUrl(): string {
  return process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** Runs one statement on the admin database, on a connection of its own. */
export async function pgAdmin<T extends pg.QueryResultRow = Record<string, unknown>>(query: string, params: unknown[] = [], url = pgAdminUrl()): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(query, params)).rows;
  } finally {
    await client.end();
  }
}

export interface PgTestDatabase {
  /** `postgres://…/<a database of its own>` */
  url: string;
  name: string;
  /** Rows of a query on this database (a connection of its own each time). */
  rows<T extends pg.QueryResultRow = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

/** A fresh, empty database for one test, on the server the tests use. */
export async function createPgDatabase(): Promise<PgTestDatabase> {
  const name = `igb_test_${randomBytes(6).toString('hex')}`;
  await pgAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(pgAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    rows: (query, params) => pgAdmin(query, params, url.toString()),
    drop: async () => {
      await pgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
