import type { Metrics } from '../../application/ports/metrics.js';
import { MarkedCache } from '../../domain/marked-cache.js';

/**
 * What a kept page costs besides its bytes and its question (the map's entry, the Buffer's
 * object, the mark): counted, so that many tiny pages (empty threads of made-up customer ids)
 * cannot hold more memory than READ_CACHE_MB says.
 */
export const PAGE_OVERHEAD_BYTES = 256;

/**
 * API read pages as the JSON bytes last sent, each with the store's change mark taken before it
 * was read (ConversationReader.changeMark): while the mark is the same, nothing the page shows has
 * changed, and the bytes are sent again without a query, a turn or a serialization. Inbox tabs
 * refresh on every live update, and most of what they ask for again has not changed.
 * Bounded by bytes (READ_CACHE_MB, each page with its question and PAGE_OVERHEAD_BYTES; the
 * oldest page not asked again since it was last passed over goes first); the pages' bytes live
 * outside the JavaScript heap.
 * `igbridge_read_cache_total{outcome}` counts hits and misses, and pages the client already had
 * (`not_modified`: answered 304 to its If-None-Match, no bytes sent);
 * `igbridge_limit_in_use{resource="read_cache"}` the bytes counted.
 */
export class ReadPageCache {
  private readonly pages: MarkedCache<string, Buffer>;

  constructor(
    maxBytes: number,
    private readonly metrics: Pick<Metrics, 'limitInUse' | 'readCache'>,
  ) {
    this.pages = new MarkedCache(maxBytes, (bytes, question) => bytes.length + question.length + PAGE_OVERHEAD_BYTES);
  }

  /** The bytes kept for `question` when they were made under `mark`. */
  get(question: string, mark: string | null): Buffer | undefined {
    const bytes = mark === null ? undefined : this.pages.get(question, mark);
    this.metrics.readCache(bytes ? 'hit' : 'miss');
    return bytes;
  }

  /** Counts a page answered 304: the client's copy is the page as it is now. */
  revalidated(): void {
    this.metrics.readCache('not_modified');
  }

  /** Keeps `bytes` for `question`, read after `mark` was taken (nothing when the store gave none, or when the page alone is over the bound). */
  set(question: string, mark: string | null, bytes: Buffer): void {
    // A small Buffer is a slice of a shared 8 KiB pool, which it would keep alive: keep a copy of its own.
    if (mark !== null) this.pages.set(question, mark, bytes.length === bytes.buffer.byteLength ? bytes : ownCopy(bytes));
    this.metrics.limitInUse('read_cache', this.pages.size);
  }
}

function ownCopy(bytes: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}
