/** The p-th percentile (nearest rank) of values sorted ascending; NaN when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The same for latencies in ms, to one decimal; 0 when there are none. */
export function percentileMs(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : Math.round(percentile(sorted, p) * 10) / 10;
}
