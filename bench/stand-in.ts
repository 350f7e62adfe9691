import Database from 'better-sqlite3';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';

/**
 * What the bench's stand-in servers (bench/baseline-server.ts, bench/floor-server.ts) share: one
 * table of webhooks written with igbridge's pragmas (WAL, synchronous=FULL: an fsync per
 * commit), the signature check, and listening on PORT until SIGTERM or SIGINT.
 */
export function webhookTable(path: string): { db: Database.Database; insert: Database.Statement<[string, string, number]> } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, mid TEXT NOT NULL UNIQUE, raw TEXT NOT NULL, received_at INTEGER NOT NULL)');
  return { db, insert: db.prepare('INSERT OR IGNORE INTO messages (mid, raw, received_at) VALUES (?, ?, ?)') };
}

/** Whether `header` (X-Hub-Signature-256) is the HMAC-SHA256 of `raw` with `secret`. */
export function signedBy(secret: string, raw: Buffer, header: string): boolean {
  const given = Buffer.from(header.replace(/^sha256=/, ''), 'hex');
  const actual = createHmac('sha256', secret).update(raw).digest();
  return given.length === actual.length && timingSafeEqual(given, actual);
}

/** Listens on PORT (default 3000) at 127.0.0.1 and says `<name> listening`; SIGTERM or SIGINT closes it, closes `db` and exits 0. */
export function serveUntilStopped(server: Server, name: string, db: Database.Database): void {
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => process.stdout.write(`${name} listening\n`));
  const stop = () => server.close(() => {
    db.close();
    process.exit(0);
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
