import type { Metrics } from '../../application/ports/metrics.js';

interface Kept {
  mark: string;
  bytes: Buffer;
}

/**
 * API read pages as the JSON bytes last sent, each with the store's change mark taken before it
 * was read (ConversationReader.changeMark): while the mark is the same, nothing the page shows has
 * changed, and the bytes are sent again without a query, a turn or a serialization. Inbox tabs
 * refresh on every live update, and most of what they ask for again has not changed.
 * Bounded by bytes (READ_CACHE_MB; the least recently asked page goes first); the bytes live
 * outside the JavaScript heap, so a full cache costs the garbage collector nothing.
 * `igbridge_read_cache_total{outcome}` counts hits and misses,
 * `igbridge_limit_in_use{resource="read_cache"}` the bytes held.
 */
export class ReadPageCache {
  /** Insertion order is recency: a hit moves its page to the end. */
  private readonly pages = new Map<string, Kept>();
  private held = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly metrics: Pick<Metrics, 'limitInUse' | 'readCache'>,
  ) {}

  /** The bytes kept for `question` when they were made under `mark`. */
  get(question: string, mark: string | null): Buffer | undefined {
    const kept = mark === null ? undefined : this.pages.get(question);
    if (!kept || kept.mark !== mark) {
      this.metrics.readCache('miss');
      return undefined;
    }
    this.pages.delete(question);
    this.pages.set(question, kept);
    this.metrics.readCache('hit');
    return kept.bytes;
  }

  /** Keeps `bytes` for `question`, read after `mark` was taken (nothing when the store gave none, or when the page alone is over the bound). */
  set(question: string, mark: string | null, bytes: Buffer): void {
    this.drop(question);
    const size = bytes.length + question.length;
    if (mark !== null && size <= this.maxBytes) {
      while (this.held + size > this.maxBytes) this.drop(this.pages.keys().next().value!);
      // A small Buffer is a slice of a shared 8 KiB pool, which it would keep alive: keep a copy of its own.
      this.pages.set(question, { mark, bytes: bytes.length === bytes.buffer.byteLength ? bytes : ownCopy(bytes) });
      this.held += size;
    }
    this.metrics.limitInUse('read_cache', this.held);
  }

  private drop(question: string): void {
    const kept = this.pages.get(question);
    if (!kept) return;
    this.pages.delete(question);
    this.held -= kept.bytes.length + question.length;
  }
}

function ownCopy(bytes: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}
