import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import type { AttackOptions } from './attack.js';
import { webhookBody } from './load.js';
import { ROOT, runLoad, sleep, type ChildService } from './processes.js';
import { CONNECTIONS, discard, SECONDS, SECRET, startIgbridge, workspace, type Row } from './scenario.js';
import { percentileMs } from './stats.js';

/**
 * Issue 9's measurements. `slow-bodies`: 1,500 connections each send ~1 MiB of a webhook body
 * (no signature, then a forged one) and stall, while signed webhooks are sent one by one: the
 * service's resident memory and the signed webhooks' latency. `streams`: webhook saturation
 * alone, then with 3,000 `/api/events` attempts held open during it: the throughput lost.
 */
const ATTACK_CONNECTIONS = 1_500;
const STREAM_ATTEMPTS = 3_000;
const PROBES = 30;
/** Attacked phases in `streams`, each between two phases alone. */
const ROUNDS = 2;

function currentRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Starts bench/attack.ts; resolves `opened` once every connection was attempted, `done` with its tally. */
function attack(options: AttackOptions, niceness = 0): { opened: Promise<void>; done: Promise<Record<string, unknown>> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/attack.ts', JSON.stringify(options)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  if (niceness && child.pid) setPriority(child.pid, niceness);
  let out = '';
  let openedResolve = () => {};
  const opened = new Promise<void>((resolve) => (openedResolve = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.includes('"opened"')) openedResolve();
  });
  const done = new Promise<Record<string, unknown>>((resolve, reject) =>
    child.once('exit', (code) => {
      openedResolve();
      if (code !== 0) reject(new Error(`attacker exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>);
    }),
  );
  return { opened, done };
}

async function signedWebhook(url: string, mid: string): Promise<{ ms: number; status: number }> {
  const body = webhookBody('probe', 0).replace('probe.0', mid);
  const started = performance.now();
  const response = await fetch(`${url}/webhooks/instagram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
    body,
  });
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

const percentileOf = (values: number[], p: number) => percentileMs([...values].sort((a, b) => a - b), p);

async function underSlowBodies(service: ChildService, signature: 'none' | 'forged'): Promise<Record<string, number | string>> {
  await signedWebhook(service.url, `probe-warm-${signature}`); // the probe's keep-alive connection exists before the attack
  const rssBefore = currentRssMb(service.pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, currentRssMb(service.pid))), 100);
  const attacker = attack({ url: service.url, kind: 'slow-bodies', connections: ATTACK_CONNECTIONS, holdMs: 8_000, bodyBytes: 1024 * 1024, signature });
  await attacker.opened;
  const probes: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const probe = await signedWebhook(service.url, `probe-${signature}-${i}`);
    probes.push(probe.ms);
    statuses.push(probe.status);
    await sleep(100);
  }
  const tally = await attacker.done;
  await sleep(1_000);
  clearInterval(sampler);
  return {
    rssBeforeMb: Math.round(rssBefore),
    rssDeltaMb: Math.round(rssPeak - rssBefore),
    rssAfterMb: Math.round(currentRssMb(service.pid)),
    probeP50Ms: percentileOf(probes, 50),
    probeMaxMs: Math.round(Math.max(...probes) * 10) / 10,
    probeStatuses: [...new Set(statuses)].join(','),
    attacker: JSON.stringify(tally),
  };
}

export async function slowBodies(): Promise<Row> {
  const ws = workspace('slow-bodies');
  const service = await startIgbridge(ws, {});
  try {
    const none = await underSlowBodies(service, 'none');
    const forged = await underSlowBodies(service, 'forged');
    return {
      scenario: `slow bodies (${ATTACK_CONNECTIONS.toLocaleString('en')} × 1 MiB, stalled)`,
      rps: 0,
      p50: Number(none.probeP50Ms),
      p99: Number(none.probeMaxMs),
      max: Math.max(Number(none.probeMaxMs), Number(forged.probeMaxMs)),
      non2xx: 0,
      missing: 0,
      acked: PROBES * 2,
      peakRssMb: service.peakRssMb(),
      crm: 'off',
      extra: { ...prefixed('unsigned', none), ...prefixed('forged', forged) },
    };
  } finally {
    await service.stop();
    discard(ws);
  }
}

export async function streams(): Promise<Row> {
  const ws = workspace('streams');
  const service = await startIgbridge(ws, {});
  try {
    const base = { url: service.url, secret: SECRET, ackFile: join(ws.dir, 'acked.json'), connections: CONNECTIONS, duration: SECONDS };
    await runLoad({ ...base, prefix: 'warm', duration: 2 });
    // Alone and attacked phases alternate (alone, attacked, alone, attacked, alone), so the drift
    // of a growing database and of the machine falls on both sides of the comparison alike.
    const aloneRuns: number[] = [];
    const attackedRuns: Array<Awaited<ReturnType<typeof runLoad>>> = [];
    const tallies: Array<Record<string, unknown>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      aloneRuns.push((await runLoad({ ...base, prefix: `alone-${round}` })).rps);
      const load = runLoad({ ...base, prefix: `attacked-${round}` });
      await sleep(1_000);
      // The attacker runs niced: on two cores its own CPU would otherwise count as the service's cost.
      const attacker = attack({ url: service.url, kind: 'streams', connections: STREAM_ATTEMPTS, holdMs: (SECONDS - 1) * 1000, token: 'bench-token' }, 19);
      attackedRuns.push(await load);
      tallies.push(await attacker.done);
    }
    aloneRuns.push((await runLoad({ ...base, prefix: `alone-${ROUNDS}` })).rps);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const alone = mean(aloneRuns);
    const attackedRps = mean(attackedRuns.map((run) => run.rps));
    const attacked = attackedRuns.at(-1)!;
    return {
      scenario: `event streams (${STREAM_ATTEMPTS.toLocaleString('en')} attempts during saturation)`,
      rps: attackedRps,
      p50: attacked.p50,
      p99: attacked.p99,
      max: attacked.max,
      non2xx: attacked.non2xx + attacked.errors,
      missing: 0,
      acked: attacked.ok,
      peakRssMb: service.peakRssMb(),
      crm: 'off',
      extra: { aloneRps: Math.round(alone), aloneRuns: aloneRuns.map(Math.round).join(','), attackedRps: Math.round(attackedRps), attackedRuns: attackedRuns.map((run) => Math.round(run.rps)).join(','), costPercent: Math.round((1 - attackedRps / alone) * 1000) / 10, attacker: JSON.stringify(tallies.at(-1)) },
    };
  } finally {
    await service.stop();
    discard(ws);
  }
}

function prefixed(prefix: string, values: Record<string, number | string>): Record<string, number | string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [`${prefix}.${key}`, value]));
}
