import type { Change, ChangeFeed } from '../../application/ports/change-feed.js';

type Listener = (change: Change) => void;

/** Changes published within this many milliseconds reach the listeners as one. */
export const COALESCE_MS = 50;
/** At most this many customer ids in one change; the inbox re-reads its list either way. */
export const MAX_USER_IDS = 500;

/**
 * In-process fan-out of store changes to the open inboxes (`GET /api/events`). Publishing
 * never runs a listener: changes are merged and delivered together, asynchronously, at most
 * once per COALESCE_MS, so a burst of webhooks costs one fan-out, not one per commit. Nothing
 * else is queued: a listener that is not connected misses nothing it cannot re-read from the API.
 */
export class InProcessChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();
  private closed = false;
  private pending: { userIds: Set<string>; stored: number; applied: number } | null = null;
  private timer: NodeJS.Timeout | null = null;

  publish(change: Change): void {
    if (this.closed || this.listeners.size === 0) return;
    const pending = (this.pending ??= { userIds: new Set(), stored: 0, applied: 0 });
    for (const id of change.user_ids) if (pending.userIds.size < MAX_USER_IDS) pending.userIds.add(id);
    pending.stored += change.stored;
    pending.applied += change.applied;
    this.timer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  private flush(): void {
    this.timer = null;
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    const change: Change = { user_ids: [...pending.userIds], stored: pending.stored, applied: pending.applied };
    for (const listener of [...this.listeners]) listener(change);
  }

  /** Returns the unsubscribe function. `onClose` runs when the service shuts down. */
  subscribe(listener: Listener, onClose: () => void): () => void {
    if (this.closed) {
      onClose();
      return () => {};
    }
    this.listeners.add(listener);
    this.closers.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(onClose);
    };
  }

  get size(): number {
    return this.listeners.size;
  }

  /** Ends every subscription (shutdown: open event streams must not hold the server open). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    for (const onClose of [...this.closers]) onClose();
    this.listeners.clear();
    this.closers.clear();
  }
}
