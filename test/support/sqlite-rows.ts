import Database from 'better-sqlite3';

/** Reads the service's SQLite file directly (read-only), to assert on what was committed. */
export function sqliteRows<T = Record<string, unknown>>(path: string, query: string, ...params: unknown[]): T[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Rows in `messages` plus `deferred_changes`: zero means the delivery left no trace. */
export function storedCount(path: string): number {
  const [row] = sqliteRows<{ n: number }>(path, 'SELECT (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) FROM deferred_changes) AS n');
  return row!.n;
}
