import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/adapters/http/signature.js';
import { freePort, startChild, type ChildService } from '../support/child-service.js';
import { COMPILED_MAIN } from '../support/compiled.js';
import { createCrmDatabase, lockCrmTable, userConnections, type CrmTestDatabase } from '../support/mysql.js';
import { createPgDatabase, type PgTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

/**
 * SPEC §14: two real service processes on one PostgreSQL database, mirroring into one CRM.
 * Deliveries spread over both and duplicated to both are stored once and reach the CRM once; an
 * instance SIGKILLed while its drainer holds a claim (its write stuck behind a CRM lock) is
 * replaced by the other, which finishes its rows exactly once; an inbox on B hears of A's message.
 */
const SECRET = 'two-instances-secret';
const API_TOKEN = 'two-instances-token';
const ACCOUNT = '17841400000000001';

function body(mid: string, customer = '6000000000000001'): string {
  return JSON.stringify({
    object: 'instagram',
    entry: [{ id: ACCOUNT, time: Date.now(), messaging: [{ sender: { id: customer }, recipient: { id: ACCOUNT }, timestamp: Date.now(), message: { mid, text: `two instances ${mid}` } }] }],
  });
}

async function deliver(url: string, mid: string, customer?: string): Promise<number> {
  const bytes = body(mid, customer);
  const response = await fetch(`${url}/webhooks/instagram`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(bytes, SECRET) }, body: bytes });
  await response.arrayBuffer();
  return response.status;
}

describe('two instances on one PostgreSQL database', () => {
  let pg: PgTestDatabase | undefined;
  let crm: CrmTestDatabase | undefined;
  let dir: string | undefined;
  const instances: ChildService[] = [];
  let unlock: (() => Promise<void>) | undefined;

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.kill();
    await unlock?.().catch(() => {});
    unlock = undefined;
    await crm?.drop();
    await pg?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function start(name: string, env: Record<string, string> = {}): Promise<ChildService> {
    const instance = await startChild(COMPILED_MAIN, {
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATABASE_URL: pg!.url,
      PG_POOL_MAX: '4',
      SQLITE_PATH: join(dir!, `${name}-unused.db`),
      IG_APP_SECRET: SECRET,
      API_TOKEN,
      LOG_LEVEL: 'info',
      GRAPH_API_URL: 'http://127.0.0.1:9',
      CRM_RETRY_MAX_S: '0.5',
      CRM_BATCH_SIZE: '20',
      ...crm!.env,
      ...env,
    }, join(dir!, `${name}.log`));
    instances.push(instance);
    return instance;
  }

  async function setUp(): Promise<void> {
    pg = await createPgDatabase();
    crm = await createCrmDatabase();
    dir = mkdtempSync(join(tmpdir(), 'igbridge-two-'));
  }

  const stored = async () => (await pg!.rows<{ mid: string; crm_state: string }>('SELECT mid, crm_state FROM messages ORDER BY id'));

  it('when deliveries are spread over both and some go to both, then each message is stored once and reaches the CRM once, and an inbox on B hears of A\'s message', async () => {
    await setUp();
    const a = await start('a');
    const b = await start('b');

    // An inbox connected to B.
    const controller = new AbortController();
    const stream = await fetch(`${b.url}/api/events`, { headers: { authorization: `Bearer ${API_TOKEN}` }, signal: controller.signal });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let streamed = '';
    const until = async (fragment: string) => {
      while (!streamed.includes(fragment)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before "${fragment}"`);
        streamed += value;
      }
    };
    await until('event: ready');
    expect(await deliver(a.url, 'from-a', '6000000000000777')).toBe(200);
    await until('6000000000000777');
    controller.abort();

    // 60 messages: even ones to A, odd ones to B, every third to both at once.
    const mids = Array.from({ length: 60 }, (_, i) => `spread.${i}`);
    const statuses = await Promise.all(mids.flatMap((mid, i) => {
      const first = i % 2 === 0 ? a : b;
      const other = first === a ? b : a;
      return i % 3 === 0 ? [deliver(first.url, mid), deliver(other.url, mid)] : [deliver(first.url, mid)];
    }));
    expect(statuses.every((status) => status === 200)).toBe(true);

    const all = ['from-a', ...mids];
    await waitFor(async () => (await stored()).filter((row) => row.crm_state === 'mirrored').length === all.length, 'every message mirrored', 60_000);
    const rows = await stored();
    expect(rows.map((row) => row.mid).sort()).toEqual([...all].sort());
    const texts = (await crm!.rows()).map((row) => row.message);
    expect(texts.sort()).toEqual(all.map((mid) => `two instances ${mid}`).sort());
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
  }, 120_000);

  it('when an instance is SIGKILLed while its drainer holds a claim, then the other takes its rows over after the lease and the CRM gets each message exactly once', async () => {
    await setUp();
    const lease = { CRM_CLAIM_LEASE_S: '2', CRM_MYSQL_WRITE_TIMEOUT_S: '3' };
    const a = await start('a', lease);
    // The CRM hangs: A's INSERT is sent and never answered; A holds the claim on those rows.
    unlock = await lockCrmTable(crm!);
    const mids = Array.from({ length: 30 }, (_, i) => `claimed.${i}`);
    for (const mid of mids) expect(await deliver(a.url, mid)).toBe(200);
    await waitFor(async () => (await userConnections(crm!)).some((c) => /insert/i.test(c.INFO ?? '')), 'A\'s insert stuck behind the lock');
    const claimed = await pg!.rows<{ n: string }>("SELECT count(*) AS n FROM messages WHERE crm_claimed_by IS NOT NULL AND crm_in_doubt");
    expect(Number(claimed[0]!.n)).toBeGreaterThan(0);

    const b = await start('b', lease);
    await a.kill();
    // The CRM recovers; A's orphaned INSERT, if the server still runs it, commits now (a "ghost" write).
    await unlock();
    unlock = undefined;
    await waitFor(async () => !(await userConnections(crm!)).some((c) => /insert/i.test(c.INFO ?? '')), 'the orphaned insert to finish');

    await waitFor(async () => (await stored()).every((row) => row.crm_state === 'mirrored'), 'B to finish A\'s rows', 60_000);
    const texts = (await crm!.rows()).map((row) => row.message);
    expect(texts.sort()).toEqual(mids.map((mid) => `two instances ${mid}`).sort());
    expect(await b.stop()).toBe(0);
  }, 120_000);
});
