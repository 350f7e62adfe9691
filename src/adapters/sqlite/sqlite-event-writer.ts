import { and, asc, desc, eq, gte, sql } from 'drizzle-orm';
import type { RecordResult } from '../../application/ports/message-store.js';
import type { InstagramEvent, MessageChange } from '../../domain/instagram-event.js';
import { applyChange, supersedes, type ChangeableFields, type MessageEdit } from '../../domain/message-change.js';
import type { Message, NewMessage } from '../../domain/message.js';
import { advanceWatermark } from '../../domain/read-watermark.js';
import { newMessageToStore } from '../../domain/stored-message.js';
import type { SqliteDb } from './database.js';
import { toMessage } from './message-row.js';
import { deferredChanges, messages } from './schema.js';
import { SqliteConversationSummaries } from './sqlite-conversation-summaries.js';

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
 * One delivery's events, written inside the caller's transaction. What a change does is the
 * domain's rule (`applyChange`, `advanceWatermark`); this class reads the row, asks, and writes
 * back. Every statement touches rows by unique key or a short index range: nothing here grows
 * with the history.
 */
export class SqliteEventWriter {
  private readonly statements;
  private readonly summaries: SqliteConversationSummaries;
  private lastExpiry = -Infinity;

  constructor(db: SqliteDb, private readonly options: EventWriterOptions) {
    const p = (name: string) => sql.placeholder(name);
    const m = messages;
    const d = deferredChanges;
    this.summaries = new SqliteConversationSummaries(db);
    this.statements = {
      insert: db
        .insert(m)
        .values({
          mid: p('mid'), accountId: p('accountId'), customerId: p('customerId'), direction: p('direction'), text: p('text'),
          attachments: p('attachments'), replyTo: sql`${p('replyTo')}`, payload: p('payload'), sentAt: p('sentAt'), raw: p('raw'),
          receivedAt: p('receivedAt'), crmState: p('crmState'), crmNextAttemptAt: p('crmNextAttemptAt'), origin: p('origin'),
        })
        .onConflictDoNothing({ target: m.mid })
        .returning()
        .prepare(),
      byMid: db.select().from(m).where(eq(m.mid, p('mid'))).prepare(),
      update: db
        .update(m)
        .set({
          text: sql`${p('text')}`, originalText: sql`${p('originalText')}`, deletedAt: sql`${p('deletedAt')}`,
          reaction: sql`${p('reaction')}`, reactionEmoji: sql`${p('reactionEmoji')}`, reactedAt: sql`${p('reactedAt')}`,
          editCount: sql`${p('editCount')}`, editedAt: sql`${p('editedAt')}`,
        })
        .where(eq(m.id, p('id')))
        .prepare(),
      deferredFor: db.select().from(d).where(and(eq(d.mid, p('mid')), gte(d.receivedAt, p('since')))).orderBy(asc(d.kind), asc(d.id)).prepare(),
      deferredKind: db.select().from(d).where(and(eq(d.mid, p('mid')), eq(d.kind, p('kind')))).orderBy(desc(d.id)).limit(1).prepare(),
      defer: db.insert(d).values({ mid: p('mid'), kind: p('kind'), change: p('change'), receivedAt: p('receivedAt') }).prepare(),
      replace: db.update(d).set({ change: sql`${p('change')}`, receivedAt: sql`${p('receivedAt')}` }).where(eq(d.id, p('id'))).prepare(),
      dropDeferred: db.delete(d).where(eq(d.mid, p('mid'))).prepare(),
      expire: db
        .delete(d)
        .where(sql`${d.id} IN (SELECT id FROM deferred_changes WHERE received_at < ${p('before')} ORDER BY received_at LIMIT ${EXPIRE_BATCH})`)
        .prepare(),
    };
  }

  record(events: InstagramEvent[], now: number): RecordResult {
    const result: RecordResult = { stored: [], duplicates: 0, applied: 0, deferred: 0, expired: this.expire(now) };
    for (const event of events) {
      if (event.kind === 'message') {
        const stored = this.insert(event.message, now);
        if (stored) result.stored.push(stored);
        else result.duplicates++;
      } else if (this.apply(event)) {
        result.applied++;
      } else {
        this.defer(event, now);
        result.deferred++;
      }
    }
    return result;
  }

  private insert(message: NewMessage, now: number): Message | null {
    const inserted = this.statements.insert.get(newMessageToStore(message, now, this.options.mirrored));
    if (!inserted) return null;
    this.summaries.added(inserted);
    const waiting = this.statements.deferredFor.all({ mid: message.mid, since: now - this.options.deferredTtlMs });
    if (waiting.length > 0) {
      for (const deferred of waiting) this.apply(JSON.parse(deferred.change) as MessageChange);
      this.statements.dropDeferred.run({ mid: message.mid });
    }
    const row = waiting.length > 0 ? this.statements.byMid.get({ mid: message.mid })! : inserted;
    return toMessage(row, this.summaries.watermark(row.accountId, row.customerId));
  }

  /** Applies a change to its message; false when the message is not stored (yet). */
  private apply(change: MessageChange): boolean {
    const target = this.statements.byMid.get({ mid: change.mid });
    if (!target) return false;
    if (change.kind === 'read') {
      const current = this.summaries.watermark(target.accountId, target.customerId);
      const next = advanceWatermark(current, target.sentAt, change.at);
      if (next && next !== current) this.summaries.setWatermark(target.accountId, target.customerId, next);
      return true;
    }
    const next = applyChange(target, change as MessageEdit);
    if (next !== target) this.statements.update.run({ id: target.id, ...changeable(next) });
    return true;
  }

  /** Keeps a change for a message not seen yet: once per (mid, kind), the one that supersedes. */
  private defer(change: MessageChange, now: number): void {
    const kept = this.statements.deferredKind.get({ mid: change.mid, kind: change.kind });
    if (!kept) {
      this.statements.defer.run({ mid: change.mid, kind: change.kind, change: JSON.stringify(change), receivedAt: now });
    } else if (supersedes(change, JSON.parse(kept.change) as MessageChange)) {
      this.statements.replace.run({ id: kept.id, change: JSON.stringify(change), receivedAt: now });
    }
  }

  /** Drops changes older than DEFERRED_CHANGE_TTL_H (Meta retries for 36 h; their message is not coming). */
  private expire(now: number): number {
    if (now - this.lastExpiry < EXPIRE_EVERY_MS) return 0;
    this.lastExpiry = now;
    return this.statements.expire.run({ before: now - this.options.deferredTtlMs }).changes;
  }
}

function changeable(fields: ChangeableFields): ChangeableFields {
  const { text, originalText, deletedAt, reaction, reactionEmoji, reactedAt, editCount, editedAt } = fields;
  return { text, originalText, deletedAt, reaction, reactionEmoji, reactedAt, editCount, editedAt };
}
