import { and, asc, eq, gt, gte, inArray, lte, sql } from 'drizzle-orm';
import type { CrmOutbox, OutboxMessage, OutboxSelection } from '../../application/ports/crm-outbox.js';
import type { CrmState, Message } from '../../domain/message.js';
import type { SqliteDb } from './database.js';
import { toMessage } from './message-row.js';
import { CRM_CHANGE_PENDING, crmStateCounts, messages } from './schema.js';

/**
 * `id IN (…)` with the ids as one JSON parameter (`ids`, placeholder of a prepared statement):
 * Drizzle's inArray builds one parameter per id, which cost more than the update itself for a
 * 500-row batch.
 */
const BY_IDS = sql`${messages.id} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`;

/**
 * The transactional outbox: the CRM state columns of the local `messages` table. A message is
 * inserted `pending` in the same transaction as the message itself; this class moves it on.
 * `crm_in_doubt` is set BEFORE a write is sent and cleared when its outcome is known, so a
 * crash in between leaves the row marked and its retry checks the CRM first. The methods are
 * `async` for the port's sake only: each statement still runs (and commits) when it is called.
 */
export class SqliteCrmOutbox implements CrmOutbox {
  /** `due`'s statements by the question's shape (states, since, in doubt, after an id), prepared on first use: a few, fixed by the callers. */
  private readonly dueStatements = new Map<string, ReturnType<SqliteCrmOutbox['prepareDue']>>();
  /**
   * The drainer's statements, prepared once: each CRM write of the live tail runs two marks, and
   * each idle round (a wake that found nothing) asks for changes and the next due time; building
   * and preparing them again each time was most of their cost on the webhook's event loop
   * (BENCHMARKS.md, session 11).
   */
  private readonly statements;

  constructor(private readonly db: SqliteDb) {
    const client = db.$client;
    this.statements = {
      inDoubt: db.update(messages).set({ crmInDoubt: true }).where(BY_IDS).prepare(),
      forRetry: db.update(messages).set({ crmInDoubt: sql`${sql.placeholder('inDoubt')}`, crmLastError: sql`${sql.placeholder('error')}` }).where(BY_IDS).prepare(),
      mirrored: db
        .update(messages)
        .set({ crmState: 'mirrored', crmInDoubt: false, crmMirroredAt: sql`${sql.placeholder('at')}`, crmLastError: null, crmNextAttemptAt: null })
        .where(BY_IDS)
        .prepare(),
      synchronous: client.prepare('PRAGMA synchronous').pluck(),
      nextDueAt: db
        .select({ at: sql<number | null>`min(${messages.crmNextAttemptAt})` })
        .from(messages)
        .where(eq(messages.crmState, 'pending'))
        .prepare(),
      changed: db.select().from(messages).where(CRM_CHANGE_PENDING).orderBy(asc(messages.id)).limit(sql.placeholder('limit')).prepare(),
    };
  }

  /**
   * Due rows, oldest first (the pending queue: earliest due first, then id). `inDoubt`
   * true/false picks the rows whose earlier write has an unknown outcome, or the others;
   * undefined takes both. `afterId` lets a backfill walk once.
   */
  async due(selection: OutboxSelection, inDoubt: boolean | undefined, now: number, limit: number, afterId = 0): Promise<OutboxMessage[]> {
    const shape = { states: selection.states, since: selection.since !== undefined, inDoubt, after: afterId > 0 };
    const key = JSON.stringify(shape);
    let statement = this.dueStatements.get(key);
    if (!statement) this.dueStatements.set(key, (statement = this.prepareDue(shape)));
    return statement
      .all({ now, limit, afterId, since: selection.since ?? 0 })
      .map((row) => ({ ...toMessage(row), inDoubt: row.crmInDoubt }));
  }

  private prepareDue({ states, since, inDoubt, after }: { states: CrmState[]; since: boolean; inDoubt: boolean | undefined; after: boolean }) {
    const pendingQueue = states.length === 1 && states[0] === 'pending';
    return this.db
      .select()
      .from(messages)
      .where(and(
        inArray(messages.crmState, states),
        inDoubt === undefined ? undefined : eq(messages.crmInDoubt, inDoubt),
        after ? gt(messages.id, sql.placeholder('afterId')) : undefined,
        states.includes('pending') ? lte(messages.crmNextAttemptAt, sql.placeholder('now')) : undefined,
        since ? gte(messages.sentAt, sql.placeholder('since')) : undefined,
      ))
      // The service's queue is read in the order of its index (state, due time, id), so a
      // batch stops after `limit` rows: ordered by id alone, every batch visited and sorted the
      // whole backlog (a 50,000-message catch-up read 2.5 million rows).
      .orderBy(...(pendingQueue ? [asc(messages.crmNextAttemptAt), asc(messages.id)] : [asc(messages.id)]))
      .limit(sql.placeholder('limit'))
      .prepare();
  }

  /** When the next pending row becomes due (null: none waiting). */
  async nextDueAt(): Promise<number | null> {
    return this.statements.nextDueAt.get()?.at ?? null;
  }

  /** How many messages stand in each CRM state that still needs work. */
  async counts(): Promise<{ pending: number; failed: number; notMirrored: number }> {
    // Kept by triggers (crm_state_counts): three rows, however many messages there are.
    const n = new Map(this.db.select().from(crmStateCounts).all().map((row) => [row.state, row.count]));
    return { pending: n.get('pending') ?? 0, failed: n.get('failed') ?? 0, notMirrored: n.get('not_mirrored') ?? 0 };
  }

  async count(selection: OutboxSelection): Promise<number> {
    return this.db
      .select({ n: sql<number>`count(*)` })
      .from(messages)
      .where(and(
        inArray(messages.crmState, selection.states),
        selection.since !== undefined ? gte(messages.sentAt, selection.since) : undefined,
      ))
      .get()!.n;
  }

  async markInDoubt(ids: number[]): Promise<void> {
    this.statements.inDoubt.run({ ids: JSON.stringify(ids) });
  }

  /**
   * The write failed and the rows stay to do, with its error. `inDoubt`: it may have reached the
   * CRM (the retry checks first); otherwise nothing arrived and the retry is a plain INSERT.
   */
  async markForRetry(ids: number[], error: string, inDoubt: boolean): Promise<void> {
    this.statements.forRetry.run({ ids: JSON.stringify(ids), inDoubt: inDoubt ? 1 : 0, error });
  }

  /**
   * Committed without waiting for the disk (synchronous=NORMAL for this one statement): were
   * it lost to a power cut, the rows would still be in doubt (that mark was synced before the
   * INSERT went out) and their retry would find them in the CRM. One fsync less per CRM write
   * on the event loop that answers webhooks.
   */
  async markMirrored(ids: number[], at: number): Promise<void> {
    const client = this.db.$client;
    const synchronous = this.statements.synchronous.get() as number;
    client.pragma('synchronous = NORMAL');
    try {
      this.statements.mirrored.run({ ids: JSON.stringify(ids), at });
    } finally {
      client.pragma(`synchronous = ${synchronous}`);
    }
  }

  /**
   * The CRM refused this row's data: one more attempt counted; at `maxAttempts` it is `failed`
   * (backfill retries it), otherwise it waits until `retryAt`. Returns the new state.
   */
  async markRejected(id: number, error: string, maxAttempts: number, retryAt: number): Promise<CrmState> {
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

  /**
   * The second queue: mirrored messages edited or unsent since their CRM row was written (or
   * last updated), oldest first; read through the partial index `messages_crm_changes`.
   */
  async changed(limit: number): Promise<Message[]> {
    return this.statements.changed.all({ limit }).map((row) => toMessage(row));
  }

  /**
   * The CRM row now shows these messages as they were read (or they stay local): a change that
   * arrived meanwhile raised the edit count or set the unsend, so it is still due. `error`: the
   * CRM refused the update, kept for the inbox (cleared otherwise).
   */
  async markChangesSent(sent: Message[], error: string | null = null): Promise<void> {
    this.db.transaction((tx) => {
      for (const message of sent) {
        tx.update(messages)
          .set({ crmEditsSent: message.editCount, crmUnsendSent: message.deletedAt !== null, crmLastError: error })
          .where(eq(messages.id, message.id))
          .run();
      }
    });
  }
}
