import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load.js';
import { freePort, runLoad, sleep, startChild, type ChildService } from './processes.js';
import { sqliteMids } from './stores.js';

export const SECRET = 'bench-app-secret';
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const WARMUP_SECONDS = 2;
export const FIXED_RATE = Number(process.env.BENCH_RATE ?? 200);
export const CONNECTIONS = 16;

export interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  /** 2xx answers whose message is missing from SQLite (must be 0). */
  missing: number;
  acked: number;
  peakRssMb: number;
  crm: string;
  /** Healthy only: p50/p99 ms from the 200 to the CRM row. */
  lag?: { p50: number; p99: number };
  /** Milliseconds until the CRM held every message once after it came back. */
  caughtUpMs?: number | null;
  /** What caughtUpMs counts from (default: the CRM's return). */
  caughtUpFrom?: string;
  extra?: Record<string, number | string>;
}

export interface Workspace {
  dir: string;
  sqlitePath: string;
  logFile: string;
}

export function workspace(name: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `igbridge-bench-${name}-`));
  return { dir, sqlitePath: join(dir, 'igbridge.db'), logFile: join(dir, 'service.log') };
}

/** Removes a scenario's files (SQLite, log, acks) unless BENCH_KEEP is set. */
export function discard(ws: Workspace): void {
  if (!process.env.BENCH_KEEP) rmSync(ws.dir, { recursive: true, force: true });
}

/**
 * The service as a user runs it (`make run`): `node dist/main.js`, compiled (bench/run.ts builds
 * it first when a source is newer), configured by env only (`env` on top of the bench's
 * settings). Several instances of one scenario each log to a file of their own.
 */
export async function startIgbridge(ws: Workspace, env: Record<string, string>, logFile = ws.logFile): Promise<ChildService> {
  const port = await freePort();
  return startChild('dist/main.js', {
    PORT: String(port),
    HOST: '127.0.0.1',
    SQLITE_PATH: ws.sqlitePath,
    IG_APP_SECRET: SECRET,
    IG_VERIFY_TOKEN: 'bench-verify',
    API_TOKEN: 'bench-token',
    LOG_LEVEL: 'info',
    GRAPH_API_URL: 'http://127.0.0.1:9',
    CRM_MYSQL_ENABLED: 'false',
    // The bench's CRM comes back within a second of recovering; production waits up to 60 s.
    CRM_RETRY_MAX_S: '1',
    ...env,
  }, logFile, process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []);
}

export async function startBaseline(ws: Workspace): Promise<ChildService> {
  const port = await freePort();
  return startChild('bench/baseline-server.ts', { PORT: String(port), SQLITE_PATH: ws.sqlitePath, IG_APP_SECRET: SECRET }, ws.logFile);
}

export interface Phases {
  saturation: LoadResult;
  fixed: LoadResult;
  acked: string[];
}

export interface PhaseHooks {
  beforeSaturation?: () => void | Promise<void>;
  /** Runs as soon as the saturation load has ended, before the fixed rate. */
  afterSaturation?: () => void | Promise<void>;
}

/**
 * A warm-up (`<prefix>-warm`, WARMUP_SECONDS) and a saturation (`<prefix>`, SECONDS, CONNECTIONS)
 * of one service, with nothing between them: its load, and how many of its 2xx answers SQLite lacks.
 */
export async function warmThenSaturate(ws: Workspace, url: string, prefix: string, options: { newCustomers?: boolean } = {}): Promise<{ load: LoadResult & { acked: number[] }; missing: number }> {
  const base = { url, secret: SECRET, connections: CONNECTIONS, ...options };
  await runLoad({ ...base, prefix: `${prefix}-warm`, duration: WARMUP_SECONDS, ackFile: join(ws.dir, `${prefix}-warm.json`) });
  const load = await runLoad({ ...base, prefix, duration: SECONDS, ackFile: join(ws.dir, `${prefix}.json`) });
  return { load, missing: missingFromSqlite(ws, load.acked.map((n) => `${prefix}.${n}`)) };
}

/**
 * Warm-up, then saturation (req/s), then the fixed rate (latency). A target with several URLs
 * (instances) gets the load generator's connections in turn, as a round-robin TCP balancer would.
 */
export async function drive(name: string, ws: Workspace, target: { url: string | string[] }, hooks: PhaseHooks = {}): Promise<Phases> {
  const base = { url: target.url, secret: SECRET, ackFile: join(ws.dir, 'acked.json') };
  const acked: string[] = [];
  const run = async (phase: string, options: { duration?: number; amount?: number; rate?: number; connections: number }) => {
    const prefix = `${name}-${phase}`;
    const result = await runLoad({ ...base, ...options, prefix });
    for (const n of result.acked) acked.push(`${prefix}.${n}`);
    return result;
  };
  await run('warm', { duration: WARMUP_SECONDS, connections: CONNECTIONS });
  await hooks.beforeSaturation?.();
  const saturation = await run('sat', { duration: SECONDS, connections: CONNECTIONS });
  await hooks.afterSaturation?.();
  const fixed = await run('rate', { duration: SECONDS, rate: FIXED_RATE, connections: 10 });
  return { saturation, fixed, acked };
}

/** How many of the acknowledged messages SQLite does not hold. */
export function missingFromSqlite(ws: Workspace, acked: string[]): number {
  const stored = sqliteMids(ws.sqlitePath);
  return acked.filter((mid) => !stored.has(mid)).length;
}

export function row(scenario: string, phases: Phases, ws: Workspace, peakRssMb: number, crm: string): Row {
  return {
    scenario,
    rps: phases.saturation.rps,
    p50: phases.fixed.p50,
    p99: phases.fixed.p99,
    max: phases.fixed.max,
    non2xx: phases.saturation.non2xx + phases.fixed.non2xx + phases.saturation.errors + phases.fixed.errors,
    missing: missingFromSqlite(ws, phases.acked),
    acked: phases.acked.length,
    peakRssMb,
    crm,
  };
}

/** Waits until the service's /readyz shows the CRM in state `wanted` (bounded: 30 s). */
export async function crmState(url: string, wanted: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { crm?: { state?: string } };
    if (ready.crm?.state === wanted) return;
    await sleep(100);
  }
  throw new Error(`the CRM never became ${wanted}`);
}

/** Each scenario's service exit code on SIGTERM (0 expected), for the report. */
export const exitCodes: Record<string, number | null> = {};

export async function stopChecked(service: { stop(): Promise<number | null> }, name: string): Promise<void> {
  exitCodes[name] = await service.stop();
}
