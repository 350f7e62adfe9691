interface Entry<V> {
  mark: string;
  value: V;
  size: number;
  /** Given back since it was kept, or since eviction last passed over it. */
  used: boolean;
}

/**
 * Values kept with the mark of what they were made from (a store's change mark, taken before the
 * value was read), given back only under the same mark: a value whose source changed is never
 * given again. Bounded by `capacity` in the units `sizeOf` counts (bytes, rows); a value larger
 * than the whole capacity is not kept. What goes first is the oldest value not used since it was
 * last passed over (a second chance, "clock"): a hit only sets a flag, so that answering from the
 * cache reorders nothing and allocates nothing.
 */
export class MarkedCache<K, V> {
  /** Insertion order: the oldest first (a value passed over with its flag set goes to the end). */
  private readonly kept = new Map<K, Entry<V>>();
  private held = 0;

  constructor(
    private readonly capacity: number,
    private readonly sizeOf: (value: V, key: K) => number,
  ) {}

  /** The units held now (at most the capacity). */
  get size(): number {
    return this.held;
  }

  /** The value kept for `key` when it was made under `mark`. */
  get(key: K, mark: string): V | undefined {
    const entry = this.kept.get(key);
    if (!entry || entry.mark !== mark) return undefined;
    entry.used = true;
    return entry.value;
  }

  /** Keeps `value` for `key`, made under `mark`, in place of what was kept for it. */
  set(key: K, mark: string, value: V): void {
    this.drop(key);
    const size = this.sizeOf(value, key);
    if (size > this.capacity) return;
    while (this.held + size > this.capacity) {
      const [oldest, entry] = this.kept.entries().next().value as [K, Entry<V>];
      this.kept.delete(oldest);
      if (entry.used) {
        entry.used = false;
        this.kept.set(oldest, entry);
      } else this.held -= entry.size;
    }
    this.kept.set(key, { mark, value, size, used: false });
    this.held += size;
  }

  private drop(key: K): void {
    const entry = this.kept.get(key);
    if (!entry) return;
    this.kept.delete(key);
    this.held -= entry.size;
  }
}
