import type { Change, ChangeFeed } from '../../application/ports/change-feed.js';

type Listener = (change: Change) => void;

/**
 * In-process fan-out of store changes to the open inboxes (`GET /api/events`). Nothing is
 * queued: a listener that is not connected misses nothing it cannot re-read from the API.
 */
export class InProcessChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();
  private closed = false;

  publish(change: Change): void {
    for (const listener of this.listeners) listener(change);
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
    for (const onClose of [...this.closers]) onClose();
    this.listeners.clear();
    this.closers.clear();
  }
}
