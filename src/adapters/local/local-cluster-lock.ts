import type { ClusterLock } from '../../application/ports/cluster-lock.js';

/** SQLite: one instance, so holding a name means this process is not already running it. */
export class LocalClusterLock implements ClusterLock {
  private readonly held = new Set<string>();

  async runExclusive<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.held.has(name)) return { ran: false };
    this.held.add(name);
    try {
      return { ran: true, value: await work() };
    } finally {
      this.held.delete(name);
    }
  }
}
