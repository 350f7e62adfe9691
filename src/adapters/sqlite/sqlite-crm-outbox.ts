import { and, asc, eq, gt, gte, inArray, lte, sql } from 'drizzle-orm';
import type { CrmState, Message } from '../../domain/message.js';
import type { SqliteDb } from './database.js';
import { toMessage } from './message-row.js';
import { messages } from './schema.js';

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
 * The transactional outbox: the CRM state columns of the local `messages` table. A message is
 * inserted `pending` in the same transaction as the message itself; this class moves it on.
 * `crm_in_doubt` is set BEFORE a write is sent and cleared when its outcome is known, so a
 * crash in between leaves the row marked and its retry checks the CRM first.
 */
export class SqliteCrmOutbox {
  constructor(private readonly db: SqliteDb) {}

  /**
   * Due rows, oldest first. `inDoubt` true/false picks the rows whose earlier write has an
   * unknown outcome, or the others; undefined takes both. `afterId` lets a backfill walk once.
   */
  due(selection: OutboxSelection, inDoubt: boolean | undefined, now: number, limit: number, afterId = 0): OutboxMessage[] {
    return this.db
      .select()
      .from(messages)
      .where(and(
        inArray(messages.crmState, selection.states),
        inDoubt === undefined ? undefined : eq(messages.crmInDoubt, inDoubt),
        afterId > 0 ? gt(messages.id, afterId) : undefined,
        selection.states.includes('pending') ? lte(messages.crmNextAttemptAt, now) : undefined,
        selection.since !== undefined ? gte(messages.sentAt, selection.since) : undefined,
      ))
      .orderBy(asc(messages.id))
      .limit(limit)
      .all()
      .map((row) => ({ ...toMessage(row), inDoubt: row.crmInDoubt }));
  }

  /** When the next pending row becomes due (null: none waiting). */
  nextDueAt(): number | null {
    const row = this.db
      .select({ at: sql<number | null>`min(${messages.crmNextAttemptAt})` })
      .from(messages)
      .where(eq(messages.crmState, 'pending'))
      .get();
    return row?.at ?? null;
  }

  count(selection: OutboxSelection): number {
    return this.db
      .select({ n: sql<number>`count(*)` })
      .from(messages)
      .where(and(
        inArray(messages.crmState, selection.states),
        selection.since !== undefined ? gte(messages.sentAt, selection.since) : undefined,
      ))
      .get()!.n;
  }

  markInDoubt(ids: number[]): void {
    this.db.update(messages).set({ crmInDoubt: true }).where(inArray(messages.id, ids)).run();
  }

  /** Nothing reached the CRM: still to do, retried at `retryAt`. */
  markUnsent(ids: number[], error: string, retryAt: number | null): void {
    this.db
      .update(messages)
      .set({ crmInDoubt: false, crmLastError: error, ...(retryAt === null ? {} : { crmNextAttemptAt: retryAt }) })
      .where(inArray(messages.id, ids))
      .run();
  }

  /** The write may have arrived: the row stays in doubt until a check says otherwise. */
  markStillInDoubt(ids: number[], error: string, retryAt: number | null): void {
    this.db
      .update(messages)
      .set({ crmInDoubt: true, crmLastError: error, ...(retryAt === null ? {} : { crmNextAttemptAt: retryAt }) })
      .where(inArray(messages.id, ids))
      .run();
  }

  markMirrored(ids: number[], at: number): void {
    this.db
      .update(messages)
      .set({ crmState: 'mirrored', crmInDoubt: false, crmMirroredAt: at, crmLastError: null, crmNextAttemptAt: null })
      .where(inArray(messages.id, ids))
      .run();
  }

  /**
   * The CRM refused this row's data: one more attempt counted; at `maxAttempts` it is `failed`
   * (backfill retries it), otherwise it waits until `retryAt`. Returns the new state.
   */
  markRejected(id: number, error: string, maxAttempts: number, retryAt: number): CrmState {
    const row = this.db
      .update(messages)
      .set({
        crmInDoubt: false,
        crmAttempts: sql`${messages.crmAttempts} + 1`,
        crmLastError: error,
        crmState: sql`CASE WHEN ${messages.crmAttempts} + 1 >= ${maxAttempts} THEN 'failed' ELSE ${messages.crmState} END`,
        crmNextAttemptAt: retryAt,
      })
      .where(eq(messages.id, id))
      .returning({ state: messages.crmState })
      .get();
    return row?.state ?? 'failed';
  }
}
