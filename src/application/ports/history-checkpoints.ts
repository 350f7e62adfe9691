/** Which walk over the Conversations API: the `history:import` command, or the service's reconciliation. */
export type HistoryWalk = 'import' | 'sync';

export interface HistoryTally {
  conversations: number;
  /** Messages stored by this walk (new to igbridge). */
  imported: number;
  /** Messages igbridge already had (from webhooks, sends or an earlier walk). */
  known: number;
  /** Messages Meta no longer details (older than a conversation's 20 most recent). */
  unavailable: number;
  /** Newest time of a message this walk stored; null when none. */
  newestImported: number | null;
}

/** Where a walk stands, kept in SQLite so an interrupted walk resumes where it stopped. */
export interface HistoryCheckpoint {
  /** The `after` cursor that fetched the conversations page being worked on (null: the first page). */
  cursor: string | null;
  /** Conversations of that page already done. */
  doneInPage: number;
  /** The newest `updated_time` a finished sync saw: the next sync stops below it. */
  highWater: number | null;
  /** The newest `updated_time` seen by the walk in progress. */
  newestSeen: number | null;
  /** What the walk in progress was asked (`since`, `limit`) and has done so far. */
  progress: { since: number | null; limit: number | null; tally: HistoryTally } | null;
}

/** One checkpoint per walk and account (SPEC §12: each account's conversations are walked apart). */
export interface HistoryCheckpoints {
  load(walk: HistoryWalk, account: string): Promise<HistoryCheckpoint | null>;
  /** Resolves once the checkpoint is stored. */
  save(walk: HistoryWalk, account: string, checkpoint: HistoryCheckpoint): Promise<void>;
}

/** A checkpoint as both stores keep it (`history_state`: the progress as JSON text), keyed `<walk>:<account>`. */
export interface StoredCheckpoint {
  cursor: string | null;
  doneInPage: number;
  highWater: number | null;
  newestSeen: number | null;
  progress: string | null;
}

export function checkpointKey(walk: HistoryWalk, account: string): string {
  return `${walk}:${account}`;
}

export function checkpointFromStore(row: StoredCheckpoint): HistoryCheckpoint {
  const { cursor, doneInPage, highWater, newestSeen } = row;
  return { cursor, doneInPage, highWater, newestSeen, progress: row.progress ? (JSON.parse(row.progress) as HistoryCheckpoint['progress']) : null };
}

export function checkpointToStore(checkpoint: HistoryCheckpoint): StoredCheckpoint {
  const { cursor, doneInPage, highWater, newestSeen } = checkpoint;
  return { cursor, doneInPage, highWater, newestSeen, progress: checkpoint.progress ? JSON.stringify(checkpoint.progress) : null };
}
