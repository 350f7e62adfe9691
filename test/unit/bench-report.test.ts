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

describe('bench verdicts: new customers with a token against without', () => {
  const target = 'new-customers: throughput with a token ≥ 85 % of without';
  const fresh = (rps: number, extra: Record<string, number | string>) => row('new-customers (token, fake Graph ~50 ms)', rps, { extra: { busiestSecond: 5, budget: 5, profileCalls: 50, profileSeconds: 10, ...extra } });

  it('when the row has its alternated pairs, then the target is judged on their median, each shown', () => {
    const verdict = verdicts([fresh(2479, { rpsNoToken: 2941, pairs: JSON.stringify([[2479, 2941], [3000, 3100], [2900, 3200]]) })]).find((v) => v.target === target);
    expect(verdict).toEqual({ target, measured: 'median 91 % of 3 pairs: 84 % (2479 / 2941), 97 % (3000 / 3100), 91 % (2900 / 3200) req/s', met: true });
  });

  it('when the row has one pair only, then it is judged on that pair', () => {
    const verdict = verdicts([fresh(2479, { rpsNoToken: 2941 })]).find((v) => v.target === target);
    expect(verdict).toEqual({ target, measured: '84 % (2479 / 2941) req/s', met: false });
  });

  it('when a message answered 2xx is missing, then the target fails whatever the throughput', () => {
    const verdict = verdicts([{ ...fresh(3000, { rpsNoToken: 3000 }), missing: 1 }]).find((v) => v.target === target);
    expect(verdict?.met).toBe(false);
  });
});
