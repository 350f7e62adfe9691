/** The delay before retry number `failures` (1, 2, …): doubling from `baseMs`, capped at `maxMs`. */
export function backoff(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}
