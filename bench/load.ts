import autocannon from 'autocannon';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { percentileMs as at } from './stats.js';

/**
 * The load generator, run as its own process by bench/run.ts (so it never shares an event
 * loop with the service): signed single-message webhooks, each with a distinct mid
 * `<prefix>.<n>`. Prints one JSON line with the numbers; the mids answered 2xx go to `ackFile`.
 *
 * As fast as the server answers (no `rate`): autocannon, `connections` closed loops.
 * At a fixed `rate`: its own open-loop schedule (`paced`), one request every 1/rate s, because
 * autocannon's rate is neither steady nor measured right for this: each connection sends its
 * per-second quota back to back at the start of every second and then waits (a burst of `rate`
 * requests each second), and its coordinated-omission correction
 * (`recordValueWithExpectedInterval(latency, Math.ceil(1 / rate))`, autocannon 9.0.0 lib/run.js)
 * takes the per-connection rate in requests per second as an interval in ms — 1 ms — so a
 * response of L ms is counted L times (L, L−1, …, 1 ms) and the tail is inflated.
 */
export interface LoadOptions {
  /** Several URLs (instances): the connections go to them in turn. */
  url: string | string[];
  secret: string;
  prefix: string;
  connections: number;
  /** Seconds (ignored when `amount` is set). */
  duration?: number;
  amount?: number;
  /** Requests per second over all connections, evenly spaced (open loop); absent = as fast as the server answers. */
  rate?: number;
  ackFile: string;
  /** Every message from a never-seen customer (the `new-customers` scenario); else 1,000 customers in turn. */
  newCustomers?: boolean;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  sent: number;
  seconds: number;
  /** At a fixed rate: the p99 of how late the generator sent (ms), its own scheduling. */
  lateP99?: number;
}

const CUSTOMERS = 1_000;

/** A customer id (digits, as Meta's) of its own for each prefix and n. */
function newCustomer(prefix: string, n: number): string {
  let hash = 0;
  for (const char of prefix) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000;
  return `7${String(hash).padStart(6, '0')}${String(n).padStart(9, '0')}`;
}

export function webhookBody(prefix: string, n: number, now = Date.now(), fresh = false): string {
  const customer = fresh ? newCustomer(prefix, n) : `6000000${String(n % CUSTOMERS).padStart(9, '0')}`;
  return JSON.stringify({
    object: 'instagram',
    entry: [{
      id: '17841400000000001',
      time: now,
      messaging: [{
        sender: { id: customer },
        recipient: { id: '17841400000000001' },
        timestamp: now,
        message: { mid: `${prefix}.${n}`, text: `bench message ${prefix}.${n}: do you ship to Berlin?` },
      }],
    }],
  });
}

function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Open loop at a fixed rate: request n is due at start + n / rate, whatever the answers before
 * it did. Up to `connections` keep-alive connections (spread over the URLs in turn); a request
 * due while all of them are busy waits for one, and that wait counts in its latency (measured
 * from when it is handed to the pool at its due time — so a slow service is not hidden by the
 * generator sending less: no coordinated omission). Latencies in ms; `lateP99` is how late the
 * generator itself was at handing requests over (its own process's scheduling), reported so a
 * starved generator is seen.
 */
async function paced(options: LoadOptions & { rate: number }): Promise<{ summary: LoadResult; acked: number[] }> {
  const urls = (Array.isArray(options.url) ? options.url : [options.url]).map((url) => new URL(url));
  const perUrl = Math.max(1, Math.ceil(options.connections / urls.length));
  const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: perUrl }));
  const total = options.amount ?? Math.max(1, Math.round(options.rate * (options.duration ?? 10)));
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  /** BENCH_TRACE_LAT: each answered request's start (ms, this process's clock) and latency, written to `<ackFile>.lat`. */
  const trace: Array<[number, number]> = [];
  const late: number[] = [];
  const acked: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  const send = (n: number): Promise<void> => new Promise((resolve) => {
    const body = webhookBody(options.prefix, n, Date.now(), options.newCustomers);
    const target = urls[n % urls.length]!;
    const begun = performance.now();
    const req = request({
      agent: agents[n % urls.length], method: 'POST', host: target.hostname, port: target.port, path: '/webhooks/instagram',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-hub-signature-256': sign(options.secret, body) },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          ok += 1;
          acked.push(n);
          latencies.push(performance.now() - begun);
          if (process.env.BENCH_TRACE_LAT) trace.push([Math.round(begun), Math.round((performance.now() - begun) * 10) / 10]);
        } else non2xx += 1;
        resolve();
      });
    });
    let timedOut = false;
    req.setTimeout(30_000, () => {
      timedOut = true;
      req.destroy(new Error('timeout'));
    });
    req.on('error', () => {
      if (timedOut) timeouts += 1;
      else errors += 1;
      resolve();
    });
    req.end(body);
  });
  // Open every connection before the schedule starts, as a sender that keeps its connections
  // does: a connection opened mid-phase (when the answers slow down and more are in flight) would
  // add its set-up to the requests that open it.
  await Promise.all(agents.flatMap((agent, i) => Array.from({ length: perUrl }, () => new Promise<void>((resolve) => {
    const target = urls[i]!;
    request({ agent, host: target.hostname, port: target.port, path: '/healthz' }, (res) => res.resume().on('end', resolve)).on('error', () => resolve()).end();
  }))));
  const started = performance.now() + 20;
  const inFlight: Array<Promise<void>> = [];
  for (let n = 0; n < total; n++) {
    const due = started + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    late.push(performance.now() - due);
    inFlight.push(send(n));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  for (const agent of agents) agent.destroy();
  if (process.env.BENCH_TRACE_LAT) writeFileSync(`${options.ackFile}.lat`, JSON.stringify(trace));
  latencies.sort((a, b) => a - b);
  late.sort((a, b) => a - b);
  return {
    acked,
    summary: {
      rps: Math.round(ok / seconds), p50: at(latencies, 50), p99: at(latencies, 99), max: at(latencies, 100),
      ok, non2xx, errors, timeouts, sent: total, seconds: Math.round(seconds), lateP99: at(late, 99),
    },
  };
}

async function main(options: LoadOptions): Promise<void> {
  if (options.rate !== undefined) {
    const { summary, acked } = await paced({ ...options, rate: options.rate });
    writeFileSync(options.ackFile, JSON.stringify(acked));
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  let next = 0;
  const acked: number[] = [];
  const result = await autocannon({
    // autocannon takes several URLs and gives connection i to URL i mod n (its README; the types say string).
    url: options.url as string,
    connections: options.connections,
    duration: options.duration ?? 10,
    amount: options.amount,
    timeout: 30,
    requests: [{
      method: 'POST',
      path: '/webhooks/instagram',
      setupRequest: (request, context) => {
        const n = next++;
        (context as { n: number }).n = n;
        const body = webhookBody(options.prefix, n, Date.now(), options.newCustomers);
        request.body = body;
        request.headers = { ...request.headers, 'content-type': 'application/json', 'x-hub-signature-256': sign(options.secret, body) };
        return request;
      },
      onResponse: (status, _body, context) => {
        if (status >= 200 && status < 300) acked.push((context as { n: number }).n);
      },
    }],
  });
  writeFileSync(options.ackFile, JSON.stringify(acked));
  const summary: LoadResult = {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    sent: next,
    seconds: result.duration,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (process.argv[2]) {
  main(JSON.parse(process.argv[2]) as LoadOptions).catch((error: unknown) => {
    process.stderr.write(`load: ${(error as Error).stack}\n`);
    process.exit(1);
  });
}
