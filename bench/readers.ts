import { Agent, request } from 'node:http';
import { percentileMs } from './stats.js';

/**
 * The `big` scenario's inbox readers, run as their own process: `clients` loops, each asking
 * for the conversation list (`limit=200`) and then one conversation's thread page, as fast as
 * the service answers, for `seconds`. Prints per-route p50/p99/max and counts as JSON, and the
 * CPU this process used (the instrument's own cost: on a 2-core machine it shares the cores
 * with the service).
 *
 * Each client is one keep-alive connection driven with `node:http` (as a browser tab's
 * connection is): `fetch` costs several times the CPU per request, and eight closed loops of
 * it took most of a core here — a harness that starves the service it measures.
 */
export interface ReaderOptions {
  url: string;
  token: string;
  clients: number;
  seconds: number;
  /** Thread pages are asked for these customers, in turn. */
  customers: string[];
}

export interface RouteResult { count: number; p50: number; p99: number; max: number; errors: number }

export interface ReaderResult {
  list: RouteResult;
  thread: RouteResult;
  /** CPU this process used while reading, in cores (user + system over the phase). */
  cores: number;
}

function summary(samples: number[], errors: number): RouteResult {
  const sorted = samples.sort((a, b) => a - b);
  return { count: sorted.length, p50: percentileMs(sorted, 50), p99: percentileMs(sorted, 99), max: percentileMs(sorted, 100), errors };
}

/** One GET on the client's own connection; resolves with the status once the whole body is read. */
function get(agent: Agent, url: URL, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(options: ReaderOptions): Promise<void> {
  const url = new URL(options.url);
  const samples = { list: [] as number[], thread: [] as number[] };
  const errors = { list: 0, thread: 0 };
  const deadline = performance.now() + options.seconds * 1000;
  let turn = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: options.clients }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const timed = async (path: string, kind: 'list' | 'thread') => {
      const begun = performance.now();
      const status = await get(agent, url, path, options.token).catch(() => 0);
      samples[kind].push(performance.now() - begun);
      if (status !== 200) errors[kind] += 1;
    };
    while (performance.now() < deadline) {
      await timed('/api/conversations?limit=200', 'list');
      const customer = options.customers[turn++ % options.customers.length]!;
      await timed(`/api/conversations/${customer}/messages?limit=50`, 'thread');
    }
    agent.destroy();
  }));
  const cpu = process.cpuUsage(cpuBefore);
  const cores = Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100) / 100;
  const result: ReaderResult = { list: summary(samples.list, errors.list), thread: summary(samples.thread, errors.thread), cores };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[2]) {
  main(JSON.parse(process.argv[2]) as ReaderOptions).catch((error: unknown) => {
    process.stderr.write(`readers: ${(error as Error).stack}\n`);
    process.exit(1);
  });
}
