/**
 * The `big` scenario's inbox readers, run as their own process: `clients` loops, each asking
 * for the conversation list (`limit=200`) and then one conversation's thread page, as fast as
 * the service answers, for `seconds`. Prints per-route p50/p99/max and counts as JSON.
 */
export interface ReaderOptions {
  url: string;
  token: string;
  clients: number;
  seconds: number;
  /** Thread pages are asked for these customers, in turn. */
  customers: string[];
}

export interface ReaderResult {
  list: { count: number; p50: number; p99: number; max: number; errors: number };
  thread: { count: number; p50: number; p99: number; max: number; errors: number };
}

function summary(samples: number[], errors: number) {
  const sorted = samples.sort((a, b) => a - b);
  const at = (p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 10) / 10;
  return { count: sorted.length, p50: at(50), p99: at(99), max: at(100), errors };
}

async function main(options: ReaderOptions): Promise<void> {
  const list: number[] = [];
  const thread: number[] = [];
  let errors = { list: 0, thread: 0 };
  const headers = { authorization: `Bearer ${options.token}` };
  const deadline = performance.now() + options.seconds * 1000;
  let turn = 0;
  const timed = async (path: string, into: number[], kind: 'list' | 'thread') => {
    const started = performance.now();
    const response = await fetch(`${options.url}${path}`, { headers });
    await response.arrayBuffer();
    into.push(performance.now() - started);
    if (response.status !== 200) errors = { ...errors, [kind]: errors[kind] + 1 };
  };
  await Promise.all(Array.from({ length: options.clients }, async () => {
    while (performance.now() < deadline) {
      await timed('/api/conversations?limit=200', list, 'list');
      const customer = options.customers[turn++ % options.customers.length]!;
      await timed(`/api/conversations/${customer}/messages?limit=50`, thread, 'thread');
    }
  }));
  const result: ReaderResult = { list: summary(list, errors.list), thread: summary(thread, errors.thread) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[2]) {
  main(JSON.parse(process.argv[2]) as ReaderOptions).catch((error: unknown) => {
    process.stderr.write(`readers: ${(error as Error).stack}\n`);
    process.exit(1);
  });
}
