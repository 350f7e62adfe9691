/** One request's share of an InflightBudget. */
export interface InflightLease {
  /** Raises this request's share to `bytes`; false (and nothing taken) when the budget has no room. */
  growTo(bytes: number): boolean;
  release(): void;
}

/**
 * A cap on the bytes of request bodies buffered at once (WEBHOOK_MAX_INFLIGHT_BYTES). Each
 * request takes a lease, grows it as its body arrives (or to its declared length up front)
 * and releases it once answered, so stalled or slow senders cannot pile up memory.
 */
export class InflightBudget {
  private used = 0;

  constructor(
    readonly maxBytes: number,
    private readonly onChange: (usedBytes: number) => void = () => {},
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  lease(): InflightLease {
    let held = 0;
    return {
      growTo: (bytes) => {
        if (bytes <= held) return true;
        if (this.used + bytes - held > this.maxBytes) return false;
        this.change(bytes - held);
        held = bytes;
        return true;
      },
      release: () => {
        this.change(-held);
        held = 0;
      },
    };
  }

  private change(delta: number): void {
    if (delta === 0) return;
    this.used += delta;
    this.onChange(this.used);
  }
}
