import autocannon from 'autocannon';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';

/**
 * The load generator, run as its own process by bench/run.ts (so it never shares an event
 * loop with the service): signed single-message webhooks, each with a distinct mid
 * `<prefix>.<n>`. Prints one JSON line with the numbers; the mids answered 2xx go to `ackFile`.
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
  /** Requests per second over all connections; absent = as fast as the server answers. */
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

async function main(options: LoadOptions): Promise<void> {
  let next = 0;
  const acked: number[] = [];
  const result = await autocannon({
    // autocannon takes several URLs and gives connection i to URL i mod n (its README; the types say string).
    url: options.url as string,
    connections: options.connections,
    duration: options.duration ?? 10,
    amount: options.amount,
    overallRate: options.rate,
    timeout: 30,
    requests: [{
      method: 'POST',
      path: '/webhooks/instagram',
      setupRequest: (request, context) => {
        const n = next++;
        (context as { n: number }).n = n;
        const body = webhookBody(options.prefix, n, Date.now(), options.newCustomers);
        request.body = body;
        request.headers = {
          ...request.headers,
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`,
        };
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
