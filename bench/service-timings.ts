/**
 * The service's own view of its answers: `igbridge_http_request_duration_seconds` read from
 * /metrics before and after a phase, and the phase's p99 per route from the buckets' difference
 * (linear within a bucket, as Prometheus' histogram_quantile does). Buckets are 1, 2, 3, 5, 7.5,
 * 10, 15, 20, 30, 50 ms …, so a p99 is known to within its bucket.
 */
export type Buckets = Map<string, Array<[number, number]>>;

const LINE = /^igbridge_http_request_duration_seconds_bucket\{le="([^"]+)",method="([A-Z]+)",route="([^"]+)"\} (\d+)/;

export async function scrapeBuckets(url: string): Promise<Buckets> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Buckets = new Map();
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const key = `${match[2]} ${match[3]}`;
    const list = out.get(key) ?? [];
    list.push([match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[4])]);
    out.set(key, list);
  }
  return out;
}

/** The p-th percentile in ms of what `route` ("METHOD /pattern") answered between two scrapes; NaN if nothing. */
export function percentileBetween(before: Buckets, after: Buckets, route: string, p: number): number {
  const now = after.get(route);
  if (!now) return Number.NaN;
  const then = new Map(before.get(route) ?? []);
  const counts = now.map(([le, count]) => [le, count - (then.get(le) ?? 0)] as [number, number]);
  const total = counts.at(-1)![1];
  if (total === 0) return Number.NaN;
  const rank = (p / 100) * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of counts) {
    if (count >= rank) {
      if (le === Infinity) return lower * 1000;
      return Math.round((lower + ((le - lower) * (rank - below)) / Math.max(1, count - below)) * 10_000) / 10;
    }
    lower = le;
    below = count;
  }
  return Number.NaN;
}
