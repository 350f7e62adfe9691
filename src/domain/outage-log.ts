import type { Clock } from './clock.js';

/** What to log for one failed attempt. */
export type FailureVerdict =
  | { log: 'full' }
  /** `repeated` identical failures were not logged since the last line about this outage. */
  | { log: 'summary'; repeated: number; outageMs: number }
  | { log: 'quiet' };

export interface Recovery {
  /** From the first failure to the first success after it. */
  outageMs: number;
  /** Failed attempts during the outage. */
  failures: number;
  /** Messages written from the first success until nothing was left to write. */
  drained: number;
}

/**
 * Keeps an outage's log short (SPEC §5): the first failure, and every different one, is logged
 * in full; identical ones after it are counted and summarised at most once per `summaryEveryMs`
 * (an hour down is a screenful, not thousands of lines). When the work settles after a
 * success, the outage is reported once with its length and what drained. Pure: it says what to
 * log; callers log it.
 */
export class OutageLog {
  private startedAt: number | null = null;
  private recoveredAt: number | null = null;
  private signature: string | null = null;
  private lastLineAt = 0;
  private unlogged = 0;
  private failures = 0;
  private drained = 0;

  constructor(
    private readonly clock: Clock,
    private readonly summaryEveryMs = 60_000,
  ) {}

  /** Whether an outage is under way (a failure not yet followed by a success). */
  get down(): boolean {
    return this.startedAt !== null && this.recoveredAt === null;
  }

  /** One failed attempt, identified by `signature` (kind, code, message: whatever makes two failures the same). */
  failed(signature: string): FailureVerdict {
    const now = this.clock.now();
    this.startedAt ??= now;
    this.recoveredAt = null;
    this.failures++;
    if (signature !== this.signature) {
      this.signature = signature;
      this.unlogged = 0;
      this.lastLineAt = now;
      return { log: 'full' };
    }
    this.unlogged++;
    if (now - this.lastLineAt < this.summaryEveryMs) return { log: 'quiet' };
    const repeated = this.unlogged;
    this.unlogged = 0;
    this.lastLineAt = now;
    return { log: 'summary', repeated, outageMs: now - this.startedAt };
  }

  /** `rows` messages were written. */
  written(rows: number): void {
    if (this.startedAt === null) return;
    this.recoveredAt ??= this.clock.now();
    this.drained += rows;
  }

  /** Nothing is left to write: after an outage that ended, its report (once); else null. */
  settled(): Recovery | null {
    if (this.startedAt === null || this.recoveredAt === null) return null;
    const recovery = { outageMs: this.recoveredAt - this.startedAt, failures: this.failures, drained: this.drained };
    this.startedAt = this.recoveredAt = this.signature = null;
    this.unlogged = this.failures = this.drained = 0;
    return recovery;
  }
}

/** 3723000 → "1 h 2 min 3 s"; 4500 → "4.5 s". */
export function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  const s = Math.round(ms / 1000);
  const parts = [[Math.floor(s / 3600), 'h'], [Math.floor((s % 3600) / 60), 'min'], [s % 60, 's']] as const;
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}`).join(' ');
}
