import { describe, expect, it } from 'vitest';
import { PAGE_OVERHEAD_BYTES, ReadPageCache } from '../../src/adapters/http/read-page-cache.js';
import type { ReadCacheOutcome } from '../../src/application/ports/metrics.js';

function counting() {
  const seen = { hit: 0, miss: 0, not_modified: 0, bytes: [] as number[] };
  return {
    seen,
    metrics: {
      readCache: (outcome: ReadCacheOutcome) => (seen[outcome] += 1),
      limitInUse: (resource: string, value: number) => {
        expect(resource).toBe('read_cache');
        seen.bytes.push(value);
      },
    },
  };
}

/** A page that counts `size` bytes in all under a one-letter question. */
const page = (size: number, fill = 'x') => Buffer.alloc(size - 1 - PAGE_OVERHEAD_BYTES, fill);

describe('ReadPageCache', () => {
  it('when a page is asked again under the same mark, then its bytes come back; under another mark, or with no mark, they do not', () => {
    const { seen, metrics } = counting();
    const cache = new ReadPageCache(1024, metrics);
    const bytes = Buffer.from('{"conversations":[]}');

    cache.set('list', '0.7', bytes);

    expect(cache.get('list', '0.7')?.toString()).toBe('{"conversations":[]}');
    expect(cache.get('list', '0.8')).toBeUndefined();
    expect(cache.get('list', null)).toBeUndefined();
    expect(cache.get('thread', '0.7')).toBeUndefined();
    expect(seen).toMatchObject({ hit: 1, miss: 3 });
  });

  it('when the store gives no mark, then nothing is kept', () => {
    const { seen, metrics } = counting();
    const cache = new ReadPageCache(1024, metrics);

    cache.set('list', null, Buffer.from('[]'));

    expect(seen.bytes.at(-1)).toBe(0);
  });

  it('when pages fill the bound, then the least recently asked goes first and the bytes held never pass the bound', () => {
    const { seen, metrics } = counting();
    const cache = new ReadPageCache(3 * (PAGE_OVERHEAD_BYTES + 100), metrics);
    cache.set('a', '1', page(PAGE_OVERHEAD_BYTES + 100, 'a'));
    cache.set('b', '1', page(PAGE_OVERHEAD_BYTES + 100, 'b'));
    cache.set('c', '1', page(PAGE_OVERHEAD_BYTES + 100, 'c'));
    expect(seen.bytes.at(-1)).toBe(3 * (PAGE_OVERHEAD_BYTES + 100));
    expect(cache.get('a', '1')).toBeDefined(); // a is now the most recent: b goes next

    cache.set('d', '1', page(PAGE_OVERHEAD_BYTES + 100, 'd'));

    expect(cache.get('b', '1')).toBeUndefined();
    expect(['a', 'c', 'd'].map((key) => cache.get(key, '1')?.[0])).toEqual([...'acd'].map((c) => c.charCodeAt(0)));
    expect(Math.max(...seen.bytes)).toBe(3 * (PAGE_OVERHEAD_BYTES + 100));
  });

  it('when one page is larger than the whole bound, then it is not kept and evicts nothing', () => {
    const { seen, metrics } = counting();
    const cache = new ReadPageCache(3 * (PAGE_OVERHEAD_BYTES + 100), metrics);
    cache.set('a', '1', page(PAGE_OVERHEAD_BYTES + 200));

    cache.set('big', '1', page(3 * (PAGE_OVERHEAD_BYTES + 100) + 1));

    expect(cache.get('big', '1')).toBeUndefined();
    expect(cache.get('a', '1')).toBeDefined();
    expect(seen.bytes.at(-1)).toBe(PAGE_OVERHEAD_BYTES + 200);
  });

  it('when a page is kept again under a new mark, then it replaces the old one (its bytes counted once)', () => {
    const { seen, metrics } = counting();
    const cache = new ReadPageCache(3 * (PAGE_OVERHEAD_BYTES + 100), metrics);
    cache.set('a', '1', page(PAGE_OVERHEAD_BYTES + 100, 'o'));

    cache.set('a', '2', page(PAGE_OVERHEAD_BYTES + 100, 'n'));

    expect(cache.get('a', '1')).toBeUndefined();
    expect(cache.get('a', '2')?.[0]).toBe('n'.charCodeAt(0));
    expect(seen.bytes.at(-1)).toBe(PAGE_OVERHEAD_BYTES + 100);
  });

  it('when many tiny pages are asked (empty threads of made-up ids), then each counts its question and bookkeeping, and the memory stays within the bound', () => {
    const { seen, metrics } = counting();
    const bound = 64 * 1024;
    const cache = new ReadPageCache(bound, metrics);
    const empty = Buffer.from('{"user_id":"1","messages":[],"next_before":null}');

    for (let id = 0; id < 10_000; id++) cache.set(`["thread","${id}",{"limit":50}]`, '0.0', empty);

    const perPage = empty.length + '["thread","9999",{"limit":50}]'.length + PAGE_OVERHEAD_BYTES;
    expect(Math.max(...seen.bytes)).toBeLessThanOrEqual(bound);
    expect(seen.bytes.at(-1)).toBeGreaterThan(bound - perPage);
    const kept = Array.from({ length: 10_000 }, (_, id) => cache.get(`["thread","${id}",{"limit":50}]`, '0.0')).filter(Boolean).length;
    expect(kept).toBeLessThanOrEqual(Math.floor(bound / (perPage - 3)));
    expect(kept).toBeGreaterThan(100);
  });

  it('when the bound is 0 (READ_CACHE_MB=0), then nothing is kept', () => {
    const { seen, metrics } = counting();
    const cache = new ReadPageCache(0, metrics);

    cache.set('a', '1', Buffer.from('[]'));

    expect(cache.get('a', '1')).toBeUndefined();
    expect(seen.bytes).toEqual([0]);
  });

  it('when a small page is a slice of Node\'s shared buffer pool, then a copy of its own is kept (not the whole pool kept alive)', () => {
    const { metrics } = counting();
    const cache = new ReadPageCache(1024, metrics);
    const pooled = Buffer.from('{"messages":[]}');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);

    cache.set('a', '1', pooled);

    const kept = cache.get('a', '1')!;
    expect(kept.toString()).toBe('{"messages":[]}');
    expect(kept.buffer.byteLength).toBe(kept.length);
  });
});
