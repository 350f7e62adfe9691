import { describe, expect, it } from 'vitest';
import { advanceWatermark, readAtOf } from '../../src/domain/read-watermark.js';

describe('read watermark', () => {
  it('when receipts arrive, then the watermark only moves forward', () => {
    const first = advanceWatermark(null, 100, 1_000);
    expect(first).toEqual({ upTo: 100, at: 1_000 });
    expect(advanceWatermark(first, 50, 2_000)).toBe(first);
    expect(advanceWatermark(first, 200, 3_000)).toEqual({ upTo: 200, at: 3_000 });
  });

  it('when a receipt for the same point is earlier, then the earlier time is kept', () => {
    const kept = { upTo: 100, at: 1_000 };
    expect(advanceWatermark(kept, 100, 500)).toEqual({ upTo: 100, at: 500 });
    expect(advanceWatermark(kept, 100, 1_500)).toBe(kept);
  });

  it('when read_at is derived, then only our messages up to the watermark are read', () => {
    const watermark = { upTo: 100, at: 1_000 };
    expect(readAtOf({ direction: 'out', sentAt: 100 }, watermark)).toBe(1_000);
    expect(readAtOf({ direction: 'out', sentAt: 101 }, watermark)).toBeNull();
    expect(readAtOf({ direction: 'in', sentAt: 50 }, watermark)).toBeNull();
    expect(readAtOf({ direction: 'out', sentAt: 50 }, null)).toBeNull();
  });
});
