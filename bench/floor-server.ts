import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { serveUntilStopped, signedBy, webhookTable } from './stand-in.js';

/**
 * The `big` scenario's control: what this machine allows the same clients when a server's reads
 * cost nothing. Plain `node:http` (no Koa); a webhook is the HMAC check over the raw body and
 * one better-sqlite3 insert with igbridge's pragmas (WAL, synchronous=FULL: the same fsync on
 * the loop); a GET under /api/ is answered at once with the bytes of a page igbridge sent in the
 * same run (FLOOR_LIST_FILE for the list, FLOOR_THREAD_FILE for any thread): no bearer check,
 * no query, no serialization. Env: PORT, SQLITE_PATH, IG_APP_SECRET, FLOOR_LIST_FILE,
 * FLOOR_THREAD_FILE.
 */
const secret = process.env.IG_APP_SECRET ?? '';
const list = readFileSync(process.env.FLOOR_LIST_FILE ?? '');
const thread = readFileSync(process.env.FLOOR_THREAD_FILE ?? '');
const { db, insert } = webhookTable(process.env.SQLITE_PATH ?? ':memory:');

function send(res: ServerResponse, status: number, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

serveUntilStopped(createServer((req, res) => {
  if (req.method === 'GET') {
    const path = req.url ?? '';
    send(res, 200, path.startsWith('/api/conversations?') ? list : path.startsWith('/api/conversations/') ? thread : '{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (!signedBy(secret, raw, String(req.headers['x-hub-signature-256'] ?? ''))) {
      send(res, 401, '{"error":"bad signature"}');
      return;
    }
    const body = JSON.parse(raw.toString('utf8')) as { entry: Array<{ messaging: Array<{ message: { mid: string } }> }> };
    insert.run(body.entry[0]!.messaging[0]!.message.mid, raw.toString('utf8'), Date.now());
    send(res, 200, '{"status":"ok"}');
  });
}), 'floor', db);
