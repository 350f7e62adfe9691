import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, fsyncSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGraph } from '../test/support/fake-graph.js';
import { metricValue } from '../test/support/metrics.js';
import { coresUsed, sampleCpu } from './cpu.js';
import { percentileBetween, scrapeBuckets, type Buckets } from './service-timings.js';
import type { ReaderOptions, ReaderResult } from './readers.js';
import { freePort, ROOT, runLoad, startChild } from './processes.js';
import type { LoadResult } from './load.js';
import { seedCustomer } from './seed.js';
import { discard, FIXED_RATE, missingFromSqlite, SECONDS, SECRET, startIgbridge, warmThenSaturate, WARMUP_SECONDS, workspace, type Row, type Workspace } from './scenario.js';

/** `big`: 1,000,000 messages from 100,000 customers by default (BENCH_BIG_MESSAGES / BENCH_BIG_CUSTOMERS). */
const BIG_MESSAGES = Number(process.env.BENCH_BIG_MESSAGES ?? 1_000_000);
const BIG_CUSTOMERS = Number(process.env.BENCH_BIG_CUSTOMERS ?? 100_000);
const READERS = 8;

/** Runs a bench script in its own process and returns the JSON line it prints last. */
async function runScript<T>(script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

type Seeded = { messages: number; customers: number; seconds: number; bytes: number };

/**
 * Seeds the big database, or copies one seeded before when BENCH_BIG_SEEDED names it (seeding
 * takes minutes; `node --import tsx bench/seed.ts <path> <messages> <customers>` makes one and
 * writes `<path>.json` beside it with what it printed).
 */
async function seedBig(path: string): Promise<Seeded> {
  const cached = process.env.BENCH_BIG_SEEDED;
  if (cached) {
    copyFileSync(cached, path);
    // The copy's 485 MB would otherwise be written back while the service runs, and the
    // service's first fsyncs would wait for it (ext4 commits the copy's blocks with them).
    const fd = openSync(path, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    process.stderr.write(`  copied the seeded database ${cached}\n`);
    return JSON.parse(readFileSync(`${cached}.json`, 'utf8')) as Seeded;
  }
  const seeded = await runScript<Seeded>('bench/seed.ts', [path, String(BIG_MESSAGES), String(BIG_CUSTOMERS)]);
  process.stderr.write(`  seeded ${seeded.messages.toLocaleString('en')} messages in ${seeded.seconds.toFixed(1)} s\n`);
  return seeded;
}

/** The read cache's hits and misses so far (igbridge_read_cache_total). */
async function readCacheCounts(url: string): Promise<{ hit: number; miss: number }> {
  return { hit: await metricValue(url, 'igbridge_read_cache_total{outcome="hit"}'), miss: await metricValue(url, 'igbridge_read_cache_total{outcome="miss"}') };
}

const WEBHOOK = 'POST /webhooks/instagram';
const LIST = 'GET /api/conversations';
const THREAD = 'GET /api/conversations/:userId/messages';

/** The readers' questions: thread pages of 1,000 seeded customers, in turn (`offset` picks another thousand). */
function readerOptions(url: string, seconds: number, offset = 0): ReaderOptions {
  return { url, token: 'bench-token', clients: READERS, seconds, customers: Array.from({ length: 1_000 }, (_, i) => seedCustomer((i * 97 + offset) % BIG_CUSTOMERS)) };
}

interface ReadPhases {
  alone: LoadResult & { acked: number[] };
  withReaders: LoadResult & { acked: number[] };
  readers: ReaderResult;
}

/**
 * Webhooks at the fixed rate, first alone, then while READERS inbox clients poll the list and
 * thread pages. Each phase is preceded by a warm-up of WARMUP_SECONDS that is not measured:
 * webhooks alone, then webhooks and readers (on other customers' threads than the measured ones,
 * whose pages are read cold). `between` runs after the alone phase, `during` around the readers'.
 */
async function readPhases(
  url: string,
  ws: Workspace,
  hooks: { between?: () => Promise<void>; during?: <T>(measure: () => Promise<T>) => Promise<T> } = {},
): Promise<ReadPhases> {
  const load = (prefix: string, duration = SECONDS) => runLoad({ url, secret: SECRET, prefix, connections: 10, duration, rate: FIXED_RATE, ackFile: join(ws.dir, `${prefix}.json`) });
  await load('big-warm', WARMUP_SECONDS);
  const alone = await load('big-alone');
  await hooks.between?.();
  await Promise.all([load('big-read-warm', WARMUP_SECONDS), runScript<ReaderResult>('bench/readers.ts', [JSON.stringify(readerOptions(url, WARMUP_SECONDS, 50_000))])]);
  const measure = () => Promise.all([load('big-read'), runScript<ReaderResult>('bench/readers.ts', [JSON.stringify(readerOptions(url, SECONDS))])]);
  const [withReaders, readers] = await (hooks.during ? hooks.during(measure) : measure());
  return { alone, withReaders, readers };
}

/** One list page and one thread page as the service sends them, kept in files for the floor (bench/floor-server.ts). */
async function keepPages(url: string, ws: Workspace): Promise<{ FLOOR_LIST_FILE: string; FLOOR_THREAD_FILE: string }> {
  const files = { FLOOR_LIST_FILE: join(ws.dir, 'floor-list.json'), FLOOR_THREAD_FILE: join(ws.dir, 'floor-thread.json') };
  const get = async (path: string) => Buffer.from(await (await fetch(`${url}${path}`, { headers: { authorization: 'Bearer bench-token' } })).arrayBuffer());
  writeFileSync(files.FLOOR_LIST_FILE, await get('/api/conversations?limit=200'));
  writeFileSync(files.FLOOR_THREAD_FILE, await get(`/api/conversations/${seedCustomer(0)}/messages?limit=50`));
  return files;
}

/**
 * The control: the same phases against bench/floor-server.ts, which sends the same pages' bytes
 * without reading anything, and commits each webhook with the same fsync on its loop. What the
 * machine allows these clients in this run, with reads that cost nothing.
 */
async function floor(pages: Record<string, string>): Promise<ReadPhases> {
  const ws = workspace('big-floor');
  const service = await startChild('bench/floor-server.ts', { PORT: String(await freePort()), SQLITE_PATH: ws.sqlitePath, IG_APP_SECRET: SECRET, ...pages }, ws.logFile);
  try {
    return await readPhases(service.url, ws);
  } finally {
    await service.stop();
    discard(ws);
  }
}

/**
 * A year of messages: the service starts on a seeded database and goes through readPhases.
 * Reported as the clients saw it (the targets) and as the service timed it (its histogram); then
 * the same phases against the floor (bench/floor-server.ts), reported beside them.
 */
export async function big(): Promise<Row> {
  const ws = workspace('big');
  try {
    const { row, pages } = await bigOnIgbridge(ws);
    const control = await floor(pages);
    Object.assign(row.extra!, {
      floorAlone: control.alone.p99, floorReaders: control.withReaders.p99, floorThreadP99: control.readers.thread.p99,
      floorListP99: control.readers.list.p99, floorLists: control.readers.list.count, floorReaderCores: control.readers.cores,
    });
    return row;
  } finally {
    discard(ws);
  }
}

/** igbridge's part of `big`: its row, and the pages it sent for the floor to send again. */
async function bigOnIgbridge(ws: Workspace): Promise<{ row: Row; pages: Record<string, string> }> {
  const seeded = await seedBig(ws.sqlitePath);
  const spawned = performance.now();
  const service = await startIgbridge(ws, {});
  const startupMs = performance.now() - spawned;
  try {
    const start = await scrapeBuckets(service.url);
    // Taken by the hooks between and around the phases.
    const seen: { between?: Buckets; cacheBefore?: { hit: number; miss: number }; cores?: Record<string, number> } = {};
    const { alone, withReaders, readers } = await readPhases(service.url, ws, {
      between: async () => void (seen.between = await scrapeBuckets(service.url)),
      during: async (measure) => {
        seen.cacheBefore = await readCacheCounts(service.url);
        const cpuBefore = sampleCpu({ igbridge: [service.pid] });
        const measured = await measure();
        seen.cores = coresUsed(cpuBefore, sampleCpu({ igbridge: [service.pid] }));
        return measured;
      },
    });
    const end = await scrapeBuckets(service.url);
    const { between, cacheBefore, cores } = seen as Required<typeof seen>;
    const cacheAfter = await readCacheCounts(service.url);
    const row: Row = {
      scenario: `big (${seeded.messages.toLocaleString('en')} messages, ${seeded.customers.toLocaleString('en')} customers)`,
      rps: withReaders.rps,
      p50: withReaders.p50,
      p99: withReaders.p99,
      max: withReaders.max,
      non2xx: alone.non2xx + alone.errors + withReaders.non2xx + withReaders.errors + readers.list.errors + readers.thread.errors,
      missing: missingFromSqlite(ws, [...alone.acked.map((n) => `big-alone.${n}`), ...withReaders.acked.map((n) => `big-read.${n}`)]),
      acked: alone.acked.length + withReaders.acked.length,
      peakRssMb: service.peakRssMb(),
      crm: 'off',
      extra: {
        p99Alone: alone.p99, lateAlone: alone.lateP99 ?? NaN, lateReaders: withReaders.lateP99 ?? NaN, listP99: readers.list.p99, listP50: readers.list.p50, lists: readers.list.count,
        threadP99: readers.thread.p99, threadP50: readers.thread.p50, threads: readers.thread.count,
        serviceCores: cores.igbridge!, readerCores: readers.cores, machineCores: cores.machine!,
        // p99 inside the service (its request-duration histogram; bench/service-timings.ts).
        insideWebhookAlone: percentileBetween(start, between, WEBHOOK, 99), insideWebhookReaders: percentileBetween(between, end, WEBHOOK, 99),
        insideList: percentileBetween(between, end, LIST, 99), insideThread: percentileBetween(between, end, THREAD, 99),
        cacheHits: cacheAfter.hit - cacheBefore.hit, cacheMisses: cacheAfter.miss - cacheBefore.miss,
        startupMs: Math.round(startupMs), seedSeconds: Math.round(seeded.seconds), bytesPerMessage: Math.round(seeded.bytes / seeded.messages),
      },
    };
    return { row, pages: await keepPages(service.url, ws) };
  } finally {
    await service.stop();
  }
}

/** Pairs of saturations, without and with a token, alternated (BENCH_NEW_CUSTOMER_PAIRS, default 3). */
const NEW_CUSTOMER_PAIRS = Number(process.env.BENCH_NEW_CUSTOMER_PAIRS ?? 3);

/**
 * A viral day: every message from a never-seen customer. Saturation throughput with no token,
 * then at once with IG_ACCESS_TOKEN and the fake Graph API answering each profile in ~50 ms,
 * each on a fresh service: NEW_CUSTOMER_PAIRS such pairs, alternated, because this machine's
 * speed drifts between minutes (BENCHMARKS.md, session 12). The row is the first pair's; every
 * pair's throughputs are in `extra.pairs` (JSON: [with token, without] req/s), and the target is
 * judged on their median ratio (bench/report.ts).
 */
export async function newCustomers(): Promise<Row> {
  const saturate = async (name: string, env: Record<string, string>) => {
    const ws = workspace(name);
    const service = await startIgbridge(ws, env);
    try {
      const { load: result, missing } = await warmThenSaturate(ws, service.url, `${name}-sat`, { newCustomers: true });
      return { result, rss: service.peakRssMb(), missing };
    } finally {
      await service.stop();
      discard(ws);
    }
  };
  const graph = await startFakeGraph();
  graph.on('GET', /^\d+$/, (request) => ({ json: { id: request.endpoint, username: `fan_${request.endpoint.slice(-6)}` }, delayMs: 50 }));
  try {
    const pairs: Array<{ without: Awaited<ReturnType<typeof saturate>>; withToken: Awaited<ReturnType<typeof saturate>> }> = [];
    for (let pair = 1; pair <= NEW_CUSTOMER_PAIRS; pair++) {
      const without = await saturate(`new-no-token-${pair}`, {});
      const withToken = await saturate(`new-token-${pair}`, { ...graph.env, PROFILE_LOOKUPS_PER_S: '5' });
      pairs.push({ without, withToken });
    }
    const calls = graph.profileRequests().length;
    const busiest = graph.maxPerSecond((r) => graph.profileRequests().includes(r));
    const { result } = pairs[0]!.withToken;
    const phases = pairs.flatMap((pair) => [pair.without, pair.withToken]);
    return {
      scenario: 'new-customers (token, fake Graph ~50 ms)',
      rps: result.rps,
      p50: result.p50,
      p99: result.p99,
      max: result.max,
      non2xx: phases.reduce((sum, phase) => sum + phase.result.non2xx + phase.result.errors, 0),
      missing: phases.reduce((sum, phase) => sum + phase.missing, 0),
      acked: phases.reduce((sum, phase) => sum + phase.result.acked.length, 0),
      peakRssMb: Math.max(...pairs.map((pair) => pair.withToken.rss)),
      crm: 'off',
      extra: {
        rpsNoToken: pairs[0]!.without.result.rps,
        pairs: JSON.stringify(pairs.map((pair) => [pair.withToken.result.rps, pair.without.result.rps])),
        profileCalls: calls,
        profileSeconds: Math.round(pairs.reduce((sum, pair) => sum + pair.withToken.result.seconds, 0)),
        busiestSecond: busiest,
        budget: 5,
      },
    };
  } finally {
    await graph.close();
  }
}
