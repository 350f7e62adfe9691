import type { LookupPace } from '../../application/ports/lookup-pace.js';

/** SQLite: one instance keeps the look-up pace in memory. */
export class LocalLookupPace implements LookupPace {
  private nextAt = 0;
  private pausedUntil = 0;

  async reserve(now: number, spacingMs: number): Promise<number> {
    const at = Math.max(now, this.nextAt, this.pausedUntil);
    this.nextAt = at + spacingMs;
    return at;
  }

  async pause(until: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }
}
