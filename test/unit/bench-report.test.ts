import { describe, expect, it } from 'vitest';
import { verdicts } from '../../bench/report.js';
import type { Row } from '../../bench/scenario.js';

const row = (scenario: string, rps: number, extra: Partial<Row> = {}): Row => ({
  scenario, rps, p50: NaN, p99: NaN, max: NaN, non2xx: 0, missing: 0, acked: 1000, peakRssMb: 100, crm: 'off', ...extra,
});

const healthyVerdict = (rows: Row[]) => verdicts(rows).find((v) => v.target === 'healthy throughput ≥ 80 % of disabled');

describe('bench verdicts: healthy against disabled', () => {
  it('when only the main pair ran, then the target is judged on it alone', () => {
    const verdict = healthyVerdict([row('disabled', 3481), row('healthy', 2199)]);
    expect(verdict).toEqual({ target: 'healthy throughput ≥ 80 % of disabled', measured: '63 % (2199 / 3481) req/s', met: false });
  });

  it('when alternated pairs ran, then the target is judged on the median of every pair, each shown', () => {
    const verdict = healthyVerdict([
      row('disabled', 3481), row('healthy', 2199),
      row('pair 2: disabled (saturation only)', 3592), row('pair 2: healthy (saturation only)', 3020),
      row('pair 3: disabled (saturation only)', 3535), row('pair 3: healthy (saturation only)', 3367),
    ]);
    expect(verdict?.measured).toBe('median 84 % of 3 pairs: 63 % (2199 / 3481), 84 % (3020 / 3592), 95 % (3367 / 3535) req/s');
    expect(verdict?.met).toBe(true);
  });

  it('when most pairs are under the bar, then the median fails however good one pair is', () => {
    const verdict = healthyVerdict([
      row('disabled', 4000), row('healthy', 3000),
      row('pair 2: disabled (saturation only)', 4000), row('pair 2: healthy (saturation only)', 4400),
      row('pair 3: disabled (saturation only)', 4000), row('pair 3: healthy (saturation only)', 3100),
    ]);
    expect(verdict?.met).toBe(false);
  });

  it('when a pair lost a message or answered an error, then the pairs fail their own no-loss target', () => {
    const checks = verdicts([
      row('disabled', 4000), row('healthy', 3600),
      row('pair 2: disabled (saturation only)', 4000), row('pair 2: healthy (saturation only)', 3600, { missing: 1 }),
    ]);
    expect(checks.find((v) => v.target.startsWith('the alternated pairs'))).toEqual({
      target: 'the alternated pairs: zero non-2xx, every acknowledged message in SQLite', measured: '0 non-2xx, 1 of 2000 missing', met: false,
    });
  });
});
