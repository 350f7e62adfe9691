/**
 * One holder at a time among every instance that shares the store (SPEC §14): the history
 * reconciliation pass runs on one instance at a time. With SQLite there is one instance, so the
 * lock is the process's own; with PostgreSQL it is an advisory lock, released when its holder
 * finishes or its connection dies.
 */
export interface ClusterLock {
  /** Runs `work` while holding `name`; when another instance holds it, returns `{ ran: false }` at once. */
  runExclusive<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
}
