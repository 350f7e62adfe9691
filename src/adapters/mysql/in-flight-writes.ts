/**
 * The CRM statements under way, so that a slow one is known while it runs, not only after it
 * ends (a locked table holds a write until CRM_MYSQL_WRITE_TIMEOUT_S): `oldestMs` feeds
 * `/readyz` (`slow`), and `onSlow` fires once per statement the moment it passes the threshold.
 */
export class InFlightWrites {
  private readonly started = new Map<object, number>();

  constructor(
    private readonly thresholdMs: number,
    private readonly onSlow: (elapsedMs: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A statement starts; call the function returned when it ends, however it ends. */
  begin(): () => void {
    const at = this.now();
    const token = {};
    this.started.set(token, at);
    const timer = setTimeout(() => this.onSlow(this.now() - at), this.thresholdMs);
    timer.unref();
    return () => {
      clearTimeout(timer);
      this.started.delete(token);
    };
  }

  /** How long the oldest statement under way has been running; null when none is. */
  oldestMs(): number | null {
    if (this.started.size === 0) return null;
    return this.now() - Math.min(...this.started.values());
  }
}
