import type { CrmState, Message } from '../../domain/message.js';

/** Which rows a drain works on: the service's pending queue, or a backfill's selection. */
export interface OutboxSelection {
  states: CrmState[];
  /** Only messages sent at or after this time (backfill `--since`). */
  since?: number;
}

/** A message as the outbox hands it out: with whether its last write's outcome is unknown. */
export type OutboxMessage = Message & { inDoubt: boolean };

export const PENDING: OutboxSelection = { states: ['pending'] };

/**
 * The transactional outbox: each stored message's CRM state, committed with the message.
 * "In doubt" is set BEFORE a write is sent and cleared when its outcome is known, so a crash
 * in between leaves the row marked and its retry checks the CRM first. Every method is
 * asynchronous (a shared store answers over the network); a mark resolves once it is committed.
 */
export interface CrmOutbox {
  /**
   * Due rows, oldest first. `inDoubt` true/false picks the rows whose earlier write has an
   * unknown outcome, or the others; undefined takes both. `afterId` lets a backfill walk once.
   */
  due(selection: OutboxSelection, inDoubt: boolean | undefined, now: number, limit: number, afterId?: number): Promise<OutboxMessage[]>;
  /** When the next pending row becomes due (null: none waiting). */
  nextDueAt(): Promise<number | null>;
  /** How many messages stand in each CRM state that still needs work. */
  counts(): Promise<{ pending: number; failed: number; notMirrored: number }>;
  count(selection: OutboxSelection): Promise<number>;
  markInDoubt(ids: number[]): Promise<void>;
  /** The write failed; the rows stay to do. `inDoubt`: it may have reached the CRM. */
  markForRetry(ids: number[], error: string, inDoubt: boolean): Promise<void>;
  markMirrored(ids: number[], at: number): Promise<void>;
  /** The CRM refused this row: one more attempt; at `maxAttempts` it is `failed`. Resolves to the new state. */
  markRejected(id: number, error: string, maxAttempts: number, retryAt: number): Promise<CrmState>;
  /** The second queue (SPEC §10): mirrored messages edited or unsent since their CRM row was written, oldest first. */
  changed(limit: number): Promise<Message[]>;
  /** The CRM row shows these messages as read (or their changes stay local); `error`: the CRM refused the update. */
  markChangesSent(sent: Message[], error?: string | null): Promise<void>;
}
