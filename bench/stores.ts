import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * What a scenario asks of the store it ran on, whichever it is: how many messages it holds, and
 * which (mid → received_at). SQLite is read from its file; PostgreSQL over one connection of the
 * bench's own (`close` ends it).
 */
export interface BenchStore {
  count(): Promise<number>;
  mids(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export function sqliteStore(path: string): BenchStore {
  return {
    count: async () => sqliteCount(path),
    mids: async () => sqliteMids(path),
    close: async () => {},
  };
}

export async function pgStore(url: string): Promise<BenchStore> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return {
    count: async () => Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]!.n),
    mids: async () => {
      const { rows } = await client.query<{ mid: string; at: string }>('SELECT mid, received_at AS at FROM messages');
      return new Map(rows.map((r) => [r.mid, Number(r.at)]));
    },
    close: () => client.end(),
  };
}

export function sqliteMids(path: string): Map<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT mid, received_at AS at FROM messages').all() as Array<{ mid: string; at: number }>;
    return new Map(rows.map((r) => [r.mid, r.at]));
  } finally {
    db.close();
  }
}

export function sqliteCount(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
  } finally {
    db.close();
  }
}
