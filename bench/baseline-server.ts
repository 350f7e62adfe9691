import { createServer } from 'node:http';
import Koa from 'koa';
import { serveUntilStopped, signedBy, webhookTable } from './stand-in.js';

/**
 * The ceiling for this stack on this machine: Koa, an HMAC check over the raw body and one
 * better-sqlite3 insert per webhook with igbridge's pragmas (WAL, synchronous=FULL). No
 * validation, no DI, no logging, no mirror. Env: PORT, SQLITE_PATH, IG_APP_SECRET.
 */
const secret = process.env.IG_APP_SECRET ?? '';
const { db, insert } = webhookTable(process.env.SQLITE_PATH ?? ':memory:');

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method === 'GET') {
    ctx.body = { status: 'ok' };
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  if (!signedBy(secret, raw, ctx.get('x-hub-signature-256'))) {
    ctx.status = 401;
    ctx.body = { error: 'bad signature' };
    return;
  }
  const body = JSON.parse(raw.toString('utf8'));
  insert.run(body.entry[0].messaging[0].message.mid, raw.toString('utf8'), Date.now());
  ctx.body = { status: 'ok' };
});

serveUntilStopped(createServer(app.callback()), 'baseline', db);
