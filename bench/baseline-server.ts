import Database from 'better-sqlite3';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import Koa from 'koa';

/**
 * The ceiling for this stack on this machine: Koa, an HMAC check over the raw body and one
 * better-sqlite3 insert per webhook with igbridge's pragmas (WAL, synchronous=FULL). No
 * validation, no DI, no logging, no mirror. Env: PORT, SQLITE_PATH, IG_APP_SECRET.
 */
const secret = process.env.IG_APP_SECRET ?? '';
const db = new Database(process.env.SQLITE_PATH ?? ':memory:');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.exec('CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, mid TEXT NOT NULL UNIQUE, raw TEXT NOT NULL, received_at INTEGER NOT NULL)');
const insert = db.prepare('INSERT OR IGNORE INTO messages (mid, raw, received_at) VALUES (?, ?, ?)');

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method === 'GET') {
    ctx.body = { status: 'ok' };
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  const given = Buffer.from(ctx.get('x-hub-signature-256').replace(/^sha256=/, ''), 'hex');
  const actual = createHmac('sha256', secret).update(raw).digest();
  if (given.length !== actual.length || !timingSafeEqual(given, actual)) {
    ctx.status = 401;
    ctx.body = { error: 'bad signature' };
    return;
  }
  const body = JSON.parse(raw.toString('utf8'));
  insert.run(body.entry[0].messaging[0].message.mid, raw.toString('utf8'), Date.now());
  ctx.body = { status: 'ok' };
});

const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => process.stdout.write('baseline listening\n'));
const stop = () => server.close(() => {
  db.close();
  process.exit(0);
});
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
