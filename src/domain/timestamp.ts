/**
 * Meta sends milliseconds; the App Dashboard's test button sends seconds, as a string.
 * Anything below 10^11 is taken as seconds (10^11 ms is March 1973; 10^11 s is year 5138).
 */
export function toMillis(value: number | string): number | null {
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return null;
  return Math.round(n < 1e11 ? n * 1000 : n);
}
