import { and, asc, desc, eq, gte, sql } from 'drizzle-orm';
import type { RecordResult } from '../../application/ports/message-store.js';
import type { InstagramEvent, MessageChange } from '../../domain/instagram-event.js';
import { applyChange, supersedes, type ChangeableFields, type MessageEdit } from '../../domain/message-change.js';
import type { Message, NewMessage } from '../../domain/message.js';
import { advanceWatermark } from '../../domain/read-watermark.js';
import type { PgDb, PgTx } from './database.js';
import { toMessage } from './message-row.js';
import { PgConversationSummaries } from './pg-conversation-summaries.js';
import { PgMessageInsert } from './pg-message-insert.js';
import { deferredChanges, messages } from './schema.js';

export interface EventWriterOptions {
  /** The CRM mirror is on: new messages wait as `pending` (else `not_mirrored`). */
  mirrored: boolean;
  /** A change whose message never came is dropped after this (DEFERRED_CHANGE_TTL_H). */
  deferredTtlMs: number;
}

/** Expired changes are deleted at most this often, at most EXPIRE_BATCH at a time. */
const EXPIRE_EVERY_MS = 60_000;
const EXPIRE_BATCH = 1_000;
/**
 * The advisory locks are taken on hashes folded into this many keys: a delivery holds at most
 * this many (PostgreSQL's lock table is shared and bounded), and two unrelated deliveries rarely
 * share one (and then only wait for each other).
 */
const LOCK_KEYS = 1_024;
/** The sorted subquery's rows reach the aggregate in order, so the locks are taken in order. */
const LOCK_KEYS_STATEMENT = `SELECT count(pg_advisory_xact_lock(k)) FROM (
  SELECT DISTINCT hashtextextended(key, 0) & ${LOCK_KEYS - 1} AS k FROM unnest($1::text[]) AS key ORDER BY k) AS keys`;

type Recorded = Omit<RecordResult, 'expired'>;

/**
 * One delivery's events, written inside the caller's transaction, with the same rules as
 * SqliteEventWriter: what a change does is the domain's (`applyChange`, `advanceWatermark`); this
 * class reads the row, asks, and writes back.
 *
 * Several instances write at once. First, the delivery takes a transaction-scoped advisory lock
 * (`pg_advisory_xact_lock`, released at commit or rollback) for each of its mids and for the
 * conversation of each of its messages:
 * - per mid, so that a message and a change to it never pass each other: without it, instance A
 *   could insert a message while B, not seeing it yet (uncommitted), deferred its reaction — and
 *   nothing would apply that reaction until it expired. With it, B waits for A's commit and then
 *   finds the message (READ COMMITTED: each statement sees what committed before it began), or A
 *   finds B's deferred change. The same lock makes the read-then-write of an edit, and of a
 *   deferred change, safe;
 * - per conversation, so that two deliveries touching the same conversations queue for them here,
 *   in order, instead of meeting on the summary rows' locks in the order of their events (two
 *   deliveries with messages for X then Y, and Y then X, would deadlock; PostgreSQL would notice
 *   after deadlock_timeout and roll one back).
 * The keys are taken in sorted order, in one statement, so two deliveries can never each hold one
 * the other waits for. A read receipt's conversation is known only once its message is found: it
 * locks the summary row there (FOR UPDATE); a deadlock that this rare path might still meet is
 * rolled back by PostgreSQL and the delivery run again (PgMessageStore).
 */
export class PgEventWriter {
  private readonly summaries = new PgConversationSummaries();
  private readonly inserts = new PgMessageInsert();
  private lastExpiry = -Infinity;

  constructor(private readonly options: EventWriterOptions) {}

  async record(tx: PgTx, events: InstagramEvent[], now: number): Promise<Recorded> {
    await this.lockKeys(tx, events);
    const result: Recorded = { stored: [], duplicates: 0, applied: 0, deferred: 0 };
    for (const event of events) {
      if (event.kind === 'message') {
        const stored = await this.insert(tx, event.message, now);
        if (stored) result.stored.push(stored);
        else result.duplicates++;
      } else if (await this.apply(tx, event)) {
        result.applied++;
      } else {
        await this.defer(tx, event, now);
        result.deferred++;
      }
    }
    return result;
  }

  /**
   * Drops changes older than DEFERRED_CHANGE_TTL_H (Meta retries for 36 h; their message is not
   * coming). Its own statement, before the delivery's transaction; SKIP LOCKED: two instances
   * expiring at once split the rows instead of waiting for each other.
   */
  async expire(db: PgDb, now: number): Promise<number> {
    if (now - this.lastExpiry < EXPIRE_EVERY_MS) return 0;
    this.lastExpiry = now;
    const d = deferredChanges;
    const { rowCount } = await db.execute(sql`DELETE FROM ${d} WHERE ${d.id} IN (
      SELECT ${d.id} FROM ${d} WHERE ${d.receivedAt} < ${now - this.options.deferredTtlMs}
      ORDER BY ${d.receivedAt} LIMIT ${EXPIRE_BATCH} FOR UPDATE SKIP LOCKED)`);
    return rowCount ?? 0;
  }

  private async lockKeys(tx: PgTx, events: InstagramEvent[]): Promise<void> {
    const keys = new Set<string>();
    for (const event of events) {
      if (event.kind !== 'message') keys.add(`mid:${event.mid}`);
      else keys.add(`mid:${event.message.mid}`).add(`conversation:${event.message.accountId}:${event.message.customerId}`);
    }
    await tx.$client.query({ name: 'igbridge_lock_keys', text: LOCK_KEYS_STATEMENT, values: [[...keys]] });
  }

  private async insert(tx: PgTx, message: NewMessage, now: number): Promise<Message | null> {
    const waitingSince = now - this.options.deferredTtlMs;
    const inserted = await this.inserts.run(tx.$client, message, { now, mirrored: this.options.mirrored, waitingSince });
    if (!inserted) return null;
    await this.summaries.outboundAdded(tx, message, inserted.lastOutSentAt);
    if (!inserted.changesWaiting) return toMessage(inserted.row, inserted.watermark);
    const d = deferredChanges;
    const waiting = await tx
      .select()
      .from(d)
      .where(and(eq(d.mid, message.mid), gte(d.receivedAt, waitingSince)))
      .orderBy(asc(d.kind), asc(d.id));
    for (const deferred of waiting) await this.apply(tx, JSON.parse(deferred.change) as MessageChange);
    await tx.delete(d).where(eq(d.mid, message.mid));
    const [row] = await tx.select().from(messages).where(eq(messages.id, inserted.row.id));
    const watermark = await this.summaries.watermark(tx, row!.accountId, row!.customerId);
    return toMessage(row!, watermark);
  }

  /** Applies a change to its message; false when the message is not stored (yet). */
  private async apply(tx: PgTx, change: MessageChange): Promise<boolean> {
    const [target] = await tx.select().from(messages).where(eq(messages.mid, change.mid));
    if (!target) return false;
    if (change.kind === 'read') {
      const current = await this.summaries.watermark(tx, target.accountId, target.customerId, true);
      const next = advanceWatermark(current, target.sentAt, change.at);
      if (next && next !== current) await this.summaries.setWatermark(tx, target.accountId, target.customerId, next);
      return true;
    }
    const next = applyChange(target, change as MessageEdit);
    if (next !== target) await tx.update(messages).set(changeable(next)).where(eq(messages.id, target.id));
    return true;
  }

  /** Keeps a change for a message not seen yet: once per (mid, kind), the one that supersedes. */
  private async defer(tx: PgTx, change: MessageChange, now: number): Promise<void> {
    const d = deferredChanges;
    const [kept] = await tx.select().from(d).where(and(eq(d.mid, change.mid), eq(d.kind, change.kind))).orderBy(desc(d.id)).limit(1);
    if (!kept) {
      await tx.insert(d).values({ mid: change.mid, kind: change.kind, change: JSON.stringify(change), receivedAt: now });
    } else if (supersedes(change, JSON.parse(kept.change) as MessageChange)) {
      await tx.update(d).set({ change: JSON.stringify(change), receivedAt: now }).where(eq(d.id, kept.id));
    }
  }
}

function changeable(fields: ChangeableFields): ChangeableFields {
  const { text, originalText, deletedAt, reaction, reactionEmoji, reactedAt, editCount, editedAt } = fields;
  return { text, originalText, deletedAt, reaction, reactionEmoji, reactedAt, editCount, editedAt };
}
