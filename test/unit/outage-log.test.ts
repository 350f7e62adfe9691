import { describe, expect, it } from 'vitest';
import { duration, OutageLog } from '../../src/domain/outage-log.js';

function clockAt(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

describe('OutageLog', () => {
  it('when the same failure repeats, then the first is full and then one summary per interval carries the count', () => {
    const clock = clockAt();
    const log = new OutageLog(clock, 60_000);
    const verdicts = [];
    // An hour of retries every 10 s.
    for (let i = 0; i < 360; i++) {
      verdicts.push(log.failed('unavailable ECONNREFUSED'));
      clock.t += 10_000;
    }
    expect(verdicts[0]).toEqual({ log: 'full' });
    const lines = verdicts.filter((v) => v.log !== 'quiet');
    expect(lines).toHaveLength(1 + 59); // a screenful, not 360
    expect(lines[1]).toEqual({ log: 'summary', repeated: 6, outageMs: 60_000 });
    expect(lines.slice(1).reduce((n, v) => n + (v.log === 'summary' ? v.repeated : 0), 0)).toBe(354);
  });

  it('when a different failure comes, then it is logged in full at once', () => {
    const clock = clockAt();
    const log = new OutageLog(clock, 60_000);
    expect(log.failed('a').log).toBe('full');
    clock.t += 1_000;
    expect(log.failed('a').log).toBe('quiet');
    expect(log.failed('b').log).toBe('full');
  });

  it('when writes succeed after an outage and the work settles, then one report has its length and what drained', () => {
    const clock = clockAt();
    const log = new OutageLog(clock);
    expect(log.settled()).toBeNull();
    log.written(5); // no outage: nothing to report
    expect(log.settled()).toBeNull();

    log.failed('x');
    clock.t += 30_000;
    log.failed('x');
    expect(log.down).toBe(true);
    clock.t += 15_000;
    log.written(500);
    expect(log.down).toBe(false);
    clock.t += 2_000;
    log.written(20);
    expect(log.settled()).toEqual({ outageMs: 45_000, failures: 2, drained: 520 });
    expect(log.settled()).toBeNull();
    // The next failure starts a new outage, logged in full again.
    expect(log.failed('x').log).toBe('full');
  });

  it('when durations are said, then they read as an operator would write them', () => {
    expect(duration(4_500)).toBe('4.5 s');
    expect(duration(3_723_000)).toBe('1 h 2 min 3 s');
    expect(duration(120_000)).toBe('2 min');
  });
});
