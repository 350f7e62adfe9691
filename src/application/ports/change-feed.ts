/** What the inbox is told when the local store changed. */
export interface Change {
  /** Customers with a new message. */
  user_ids: string[];
  stored: number;
  /** Unsends, reactions, reads and edits applied to stored messages. */
  applied: number;
}

/** Store changes, fanned out to the open inboxes (`GET /api/events`). */
export interface ChangeFeed {
  publish(change: Change): void;
  /** Returns the unsubscribe function. `onClose` runs when the service shuts down. */
  subscribe(listener: (change: Change) => void, onClose: () => void): () => void;
  /** How many listeners are subscribed now (open event streams). */
  readonly size: number;
  /** Ends every subscription (shutdown: open event streams must not hold the server open). */
  close(): void;
}
