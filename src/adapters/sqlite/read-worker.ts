import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { ConversationReader } from '../../application/ports/conversation-reader.js';
import type { SqliteDb } from './database.js';
import * as schema from './schema.js';
import { SqliteConversationReader } from './sqlite-conversation-reader.js';

/** What the service asks the read worker: one reader method and its arguments. */
export interface ReadRequest {
  id: number;
  method: ReadMethod;
  args: unknown[];
}
export type ReadMethod = Exclude<keyof ConversationReader, 'ping'>;
export type ReadReply = { id: number; result: unknown } | { id: number; error: { message: string; code?: string } };

/**
 * The read worker (WorkerConversationReader): its own read-only connection to the service's
 * SQLite file, so that inbox and API reads — which grow with the data — run on this thread,
 * never on the webhook's. WAL lets it read while the service writes.
 */
function serve(path: string, busyTimeoutMs: number): void {
  let client: Database.Database;
  try {
    client = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    // better-sqlite3's own error class loses its message on the way to the parent thread.
    throw new Error(`the read worker cannot open ${path}: ${(error as Error).message}`);
  }
  client.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const reader = new SqliteConversationReader(Object.assign(drizzle({ client, schema }), { $client: client }) as SqliteDb);
  parentPort!.on('message', async ({ id, method, args }: ReadRequest) => {
    try {
      const result = await (reader[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      parentPort!.postMessage({ id, result } satisfies ReadReply);
    } catch (error) {
      const { message, code } = error as NodeJS.ErrnoException;
      parentPort!.postMessage({ id, error: { message, code } } satisfies ReadReply);
    }
  });
}

if (parentPort) serve((workerData as { path: string }).path, (workerData as { busyTimeoutMs: number }).busyTimeoutMs);
