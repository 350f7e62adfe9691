/**
 * Values kept with the mark of what they were made from (a store's change mark, taken before the
 * value was read), given back only under the same mark: a value whose source changed is never
 * given again. Bounded by `capacity` in the units `sizeOf` counts (bytes, rows): the least
 * recently used value goes first, and a value larger than the whole capacity is not kept.
 */
export class MarkedCache<K, V> {
  /** Insertion order is recency: a hit moves its value to the end. */
  private readonly kept = new Map<K, { mark: string; value: V; size: number }>();
  private used = 0;

  constructor(
    private readonly capacity: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** The units held now (at most the capacity). */
  get size(): number {
    return this.used;
  }

  /** The value kept for `key` when it was made under `mark`. */
  get(key: K, mark: string): V | undefined {
    const entry = this.kept.get(key);
    if (!entry || entry.mark !== mark) return undefined;
    this.kept.delete(key);
    this.kept.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` for `key`, made under `mark`, in place of what was kept for it. */
  set(key: K, mark: string, value: V): void {
    this.drop(key);
    const size = this.sizeOf(value);
    if (size > this.capacity) return;
    while (this.used + size > this.capacity) this.drop(this.kept.keys().next().value as K);
    this.kept.set(key, { mark, value, size });
    this.used += size;
  }

  private drop(key: K): void {
    const entry = this.kept.get(key);
    if (!entry) return;
    this.kept.delete(key);
    this.used -= entry.size;
  }
}
