import { and, asc, eq, gt, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CrmOutbox, OutboxMessage, OutboxSelection } from '../../application/ports/crm-outbox.js';
import type { Clock } from '../../domain/clock.js';
import type { CrmState, Message } from '../../domain/message.js';
import { inTransaction, type PgDb } from './database.js';
import { toMessage, type MessageRow } from './message-row.js';
import { CRM_CHANGE_PENDING, crmStateCounts, messages } from './schema.js';

export interface ClaimOptions {
  /** Who claims: this instance's id (unique per process). */
  instanceId: string;
  /** CRM_CLAIM_LEASE_S: a claim not renewed for this long may be taken over. */
  leaseMs: number;
  /**
   * CRM_MYSQL_WRITE_TIMEOUT_S: once a write is sent, its rows stay claimed for the lease plus
   * this, so nobody takes them over while the write may still be running.
   */
  writeTimeoutMs: number;
}

function pendingOnly(selection: OutboxSelection): boolean {
  return selection.states.length === 1 && selection.states[0] === 'pending';
}

/**
 * SPEC §14: the CRM outbox shared by every instance — the CRM columns of the `messages` table, as
 * with SQLite, plus a claim (`crm_claimed_by`, `crm_claimed_until`). An instance takes due rows
 * with `FOR UPDATE SKIP LOCKED` and claims them for CRM_CLAIM_LEASE_S, so the instances drain the
 * backlog in parallel and never write the same row; rows whose claim lapsed (their instance died)
 * are taken over, and their in-doubt mark makes the new owner check the CRM first — the same
 * exactly-once protocol as one instance (MirrorPendingMessages).
 *
 * The claim is renewed when a write is about to be sent (markInDoubt: lease + the write timeout,
 * so a slow but living instance keeps its rows), released with the write's outcome — except after
 * a write whose outcome is unknown: those rows stay claimed by their instance for a lease, which
 * retries them itself, as one instance would.
 */
export class PgCrmOutbox implements CrmOutbox {
  constructor(
    private readonly db: PgDb,
    private readonly clock: Clock,
    private readonly claim: ClaimOptions,
  ) {}

  /** Free to claim: nobody's, a lapsed claim, or already ours. */
  private claimable(now: number): SQL {
    return or(isNull(messages.crmClaimedUntil), lt(messages.crmClaimedUntil, now), eq(messages.crmClaimedBy, this.claim.instanceId))!;
  }

  async due(selection: OutboxSelection, inDoubt: boolean | undefined, now: number, limit: number, afterId = 0): Promise<OutboxMessage[]> {
    const pendingQueue = pendingOnly(selection);
    const candidates = this.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(
        inArray(messages.crmState, selection.states),
        inDoubt === undefined ? undefined : eq(messages.crmInDoubt, inDoubt),
        afterId > 0 ? gt(messages.id, afterId) : undefined,
        selection.states.includes('pending') ? sql`${messages.crmNextAttemptAt} <= ${now}` : undefined,
        selection.since !== undefined ? gte(messages.sentAt, selection.since) : undefined,
        this.claimable(now),
      ))
      // The service's queue in its index's order (state, due time, id), as with SQLite.
      .orderBy(...(pendingQueue ? [asc(messages.crmNextAttemptAt), asc(messages.id)] : [asc(messages.id)]))
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await this.db
      .update(messages)
      .set({ crmClaimedBy: this.claim.instanceId, crmClaimedUntil: now + this.claim.leaseMs })
      .where(inArray(messages.id, candidates))
      .returning();
    // RETURNING has no order: the queue's own.
    rows.sort(pendingQueue ? (a, b) => (a.crmNextAttemptAt ?? 0) - (b.crmNextAttemptAt ?? 0) || a.id - b.id : (a, b) => a.id - b.id);
    return rows.map((row) => ({ ...toMessage(row), inDoubt: row.crmInDoubt }));
  }

  /**
   * When the next pending row becomes due for this instance: a row another instance holds is due
   * when its claim lapses (else an idle instance would poll its neighbour's batch in a loop). Only
   * idle instances ask, so the pending rows are then few: the claimed batches and those waiting
   * for a retry.
   */
  async nextDueAt(): Promise<number | null> {
    const now = this.clock.now();
    const [row] = await this.db
      .select({
        at: sql<string | null>`min(CASE WHEN ${messages.crmClaimedUntil} > ${now} AND ${messages.crmClaimedBy} <> ${this.claim.instanceId}
          THEN greatest(${messages.crmNextAttemptAt}, ${messages.crmClaimedUntil}) ELSE ${messages.crmNextAttemptAt} END)`,
      })
      .from(messages)
      .where(eq(messages.crmState, 'pending'));
    return row?.at == null ? null : Number(row.at);
  }

  async counts(): Promise<{ pending: number; failed: number; notMirrored: number }> {
    // Kept by triggers over slots (drizzle-pg/0001): a few rows, however many messages there are.
    const rows = await this.db
      .select({ state: crmStateCounts.state, n: sql<string>`sum(${crmStateCounts.count})` })
      .from(crmStateCounts)
      .groupBy(crmStateCounts.state);
    const n = new Map(rows.map((row) => [row.state, Number(row.n)]));
    return { pending: n.get('pending') ?? 0, failed: n.get('failed') ?? 0, notMirrored: n.get('not_mirrored') ?? 0 };
  }

  async count(selection: OutboxSelection): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<string>`count(*)` })
      .from(messages)
      .where(and(inArray(messages.crmState, selection.states), selection.since !== undefined ? gte(messages.sentAt, selection.since) : undefined));
    return Number(row!.n);
  }

  async markInDoubt(ids: number[]): Promise<void> {
    const until = this.clock.now() + this.claim.leaseMs + this.claim.writeTimeoutMs;
    await this.db.update(messages).set({ crmInDoubt: true, crmClaimedBy: this.claim.instanceId, crmClaimedUntil: until }).where(inArray(messages.id, ids));
  }

  async markForRetry(ids: number[], error: string, inDoubt: boolean): Promise<void> {
    // In doubt: ours to retry (checking the CRM first) for a lease; otherwise free for any instance.
    const claim = inDoubt ? { crmClaimedBy: this.claim.instanceId, crmClaimedUntil: this.clock.now() + this.claim.leaseMs } : { crmClaimedBy: null, crmClaimedUntil: null };
    await this.db.update(messages).set({ crmInDoubt: inDoubt, crmLastError: error, ...claim }).where(inArray(messages.id, ids));
  }

  async markMirrored(ids: number[], at: number): Promise<void> {
    await this.db
      .update(messages)
      .set({ crmState: 'mirrored', crmInDoubt: false, crmMirroredAt: at, crmLastError: null, crmNextAttemptAt: null, crmClaimedBy: null, crmClaimedUntil: null })
      .where(inArray(messages.id, ids));
  }

  async markRejected(id: number, error: string, maxAttempts: number, retryAt: number): Promise<CrmState> {
    const [row] = await this.db
      .update(messages)
      .set({
        crmInDoubt: false,
        crmAttempts: sql`${messages.crmAttempts} + 1`,
        crmLastError: error,
        crmState: sql`CASE WHEN ${messages.crmAttempts} + 1 >= ${maxAttempts} THEN 'failed' ELSE ${messages.crmState} END`,
        crmNextAttemptAt: retryAt,
        crmClaimedBy: null,
        crmClaimedUntil: null,
      })
      .where(eq(messages.id, id))
      .returning({ state: messages.crmState });
    return row?.state ?? 'failed';
  }

  /** The second queue, claimed like the first so two instances do not send the same UPDATE. */
  async changed(limit: number): Promise<Message[]> {
    const now = this.clock.now();
    const candidates = this.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(CRM_CHANGE_PENDING, this.claimable(now)))
      .orderBy(asc(messages.id))
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows: MessageRow[] = await this.db
      .update(messages)
      .set({ crmClaimedBy: this.claim.instanceId, crmClaimedUntil: now + this.claim.leaseMs })
      .where(inArray(messages.id, candidates))
      .returning();
    return rows.sort((a, b) => a.id - b.id).map((row) => toMessage(row));
  }

  async markChangesSent(sent: Message[], error: string | null = null): Promise<void> {
    if (sent.length === 0) return;
    await inTransaction(this.db, async (tx) => {
      for (const message of sent) {
        await tx
          .update(messages)
          .set({ crmEditsSent: message.editCount, crmUnsendSent: message.deletedAt !== null, crmLastError: error, crmClaimedBy: null, crmClaimedUntil: null })
          .where(eq(messages.id, message.id));
      }
    });
  }
}
