import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgDatabase } from '../test/support/postgres.js';
import { exactlyOnceByMid, freshCrm, untilMirrored } from './crm.js';
import { freePort, ROOT, runLoad, sleep, type ChildService } from './processes.js';
import { crmState, discard, SECRET, startIgbridge, workspace } from './scenario.js';
import { pgStore } from './stores.js';

/**
 * The README's rolling update, checked: two instances on one PostgreSQL behind the HAProxy
 * configuration of docs/instances/haproxy.cfg (its servers pointed at 127.0.0.1), webhooks at a
 * fixed rate through HAProxy, and meanwhile each instance in turn is stopped (SIGTERM), started
 * again and waited for (/readyz) before the next. Prints the webhooks' statuses and latency and the
 * exactly-once check. Needs `haproxy` on the PATH (Debian: apt-get install haproxy); not part of
 * `make bench`. Usage: node --import tsx bench/rollout.ts [seconds] [rate]
 */
const SECONDS = Number(process.argv[2] ?? 30);
const RATE = Number(process.argv[3] ?? 200);

/** docs/instances/haproxy.cfg with its listener and servers on loopback ports (no Docker DNS here). */
function haproxyConfig(listen: number, a: number, b: number): string {
  return readFileSync(join(ROOT, 'docs/instances/haproxy.cfg'), 'utf8')
    .replace(/^resolvers docker\n(?: {4}.*\n)*/m, '')
    .replace(/ resolvers docker init-addr [^\n]*/, '')
    .replace('bind :8080', `bind 127.0.0.1:${listen}`)
    .replace('igbridge-a:3000', `127.0.0.1:${a}`)
    .replace('igbridge-b:3000', `127.0.0.1:${b}`);
}

async function main(): Promise<void> {
  const ws = workspace('rollout');
  const crm = await freshCrm();
  const pg = await createPgDatabase();
  const ports = { lb: await freePort(), a: await freePort(), b: await freePort() };
  const running: Record<'a' | 'b', ChildService | undefined> = { a: undefined, b: undefined };
  let haproxy: ChildProcess | undefined;
  const start = async (name: 'a' | 'b', round: number) => {
    const env = { ...crm.env, DATABASE_URL: pg.url, PORT: String(ports[name]), SQLITE_PATH: join(ws.dir, 'unused.db') };
    running[name] = await startIgbridge(ws, env, join(ws.dir, `${name}-${round}.log`));
    await crmState(running[name]!.url, 'ok');
  };
  try {
    await start('a', 0);
    await start('b', 0);
    const config = join(ws.dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(ports.lb, ports.a, ports.b));
    haproxy = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'inherit'] });
    await sleep(2_500); // two health checks (rise 2, inter 1 s)

    const events: string[] = [];
    const began = performance.now();
    const at = () => `${((performance.now() - began) / 1000).toFixed(1)} s`;
    const rollout = (async () => {
      await sleep(3_000);
      for (const name of ['a', 'b'] as const) {
        events.push(`${at()} SIGTERM ${name} (exit ${await running[name]!.stop()})`);
        await start(name, 1);
        events.push(`${at()} ${name} is back (/readyz 200)`);
        await sleep(3_000); // HAProxy takes it back after two good checks
      }
    })();
    const load = await runLoad({ url: `http://127.0.0.1:${ports.lb}`, secret: SECRET, prefix: 'rollout', connections: 10, duration: SECONDS, rate: RATE, ackFile: join(ws.dir, 'acked.json') });
    await rollout;
    const store = await pgStore(pg.url);
    try {
      const mirrored = await untilMirrored(crm, store, 120_000);
      const check = await exactlyOnceByMid(crm, store, load.acked.map((n) => `rollout.${n}`));
      process.stdout.write(`${JSON.stringify({ seconds: SECONDS, rate: RATE, sent: load.sent, ok: load.ok, non2xx: load.non2xx, errors: load.errors, timeouts: load.timeouts, p50: load.p50, p99: load.p99, max: load.max, events, mirroredMs: mirrored.ms, exactlyOnce: check })}\n`);
    } finally {
      await store.close();
    }
  } finally {
    haproxy?.kill('SIGTERM');
    for (const service of Object.values(running)) await service?.stop();
    await pg.drop();
    await crm.drop();
    discard(ws);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`rollout failed: ${(error as Error).stack}\n`);
    process.exit(1);
  },
);
