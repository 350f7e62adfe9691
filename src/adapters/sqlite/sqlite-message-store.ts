import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { MessageStore, RecordResult } from '../../application/ports/message-store.js';
import type { Config } from '../../config.js';
import type { InstagramEvent, MessageChange } from '../../domain/instagram-event.js';
import type { Clock } from '../../domain/clock.js';
import type { Message, NewMessage } from '../../domain/message.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { toMessage } from './message-row.js';
import { deferredChanges, messages } from './schema.js';

type Tx = Parameters<Parameters<SqliteDb['transaction']>[0]>[0];

/** The primary store. One synchronous transaction per delivery (better-sqlite3 requires it). */
@injectable()
export class SqliteMessageStore implements MessageStore {
  constructor(
    @inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb,
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'crm'>,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  async record(events: InstagramEvent[]): Promise<RecordResult> {
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      const result: RecordResult = { stored: [], duplicates: 0, applied: 0, deferred: 0 };
      for (const event of events) {
        if (event.kind === 'message') {
          const stored = this.insert(tx, event.message, now);
          if (stored) result.stored.push(stored);
          else result.duplicates++;
        } else if (this.apply(tx, event)) {
          result.applied++;
        } else {
          tx.insert(deferredChanges)
            .values({ mid: event.mid, kind: event.kind, change: JSON.stringify(event), receivedAt: now })
            .run();
          result.deferred++;
        }
      }
      return result;
    });
  }

  private insert(tx: Tx, message: NewMessage, now: number): Message | null {
    const inserted = tx
      .insert(messages)
      .values({
        ...message,
        receivedAt: now,
        crmState: this.config.crm.enabled ? 'pending' : 'not_mirrored',
        crmNextAttemptAt: this.config.crm.enabled ? now : null,
      })
      .onConflictDoNothing({ target: messages.mid })
      .returning({ id: messages.id })
      .get();
    if (!inserted) return null;
    const waiting = tx.select().from(deferredChanges).where(eq(deferredChanges.mid, message.mid)).orderBy(asc(deferredChanges.id)).all();
    for (const deferred of waiting) this.apply(tx, JSON.parse(deferred.change) as MessageChange);
    if (waiting.length > 0) tx.delete(deferredChanges).where(eq(deferredChanges.mid, message.mid)).run();
    return toMessage(tx.select().from(messages).where(eq(messages.id, inserted.id)).get()!);
  }

  /** Applies a change to its message; false when the message is not stored (yet). */
  private apply(tx: Tx, change: MessageChange): boolean {
    const target = tx
      .select({ id: messages.id, customerId: messages.customerId, sentAt: messages.sentAt })
      .from(messages)
      .where(eq(messages.mid, change.mid))
      .get();
    if (!target) return false;
    const byId = eq(messages.id, target.id);
    switch (change.kind) {
      case 'unsend':
        tx.update(messages).set({ deletedAt: change.at }).where(and(byId, isNull(messages.deletedAt))).run();
        break;
      case 'reaction': {
        const react = change.action === 'react';
        tx.update(messages)
          .set({ reaction: react ? change.reaction : null, reactionEmoji: react ? change.emoji : null, reactedAt: change.at })
          .where(and(byId, or(isNull(messages.reactedAt), lte(messages.reactedAt, change.at))))
          .run();
        break;
      }
      case 'read':
        // A read receipt covers the message it names and every earlier one we sent.
        tx.update(messages)
          .set({ readAt: change.at })
          .where(and(
            eq(messages.customerId, target.customerId),
            eq(messages.direction, 'out'),
            lte(messages.sentAt, target.sentAt),
            isNull(messages.readAt),
          ))
          .run();
        break;
      case 'edit':
        tx.update(messages)
          .set({
            originalText: sql`coalesce(${messages.originalText}, ${messages.text})`,
            text: change.text,
            editCount: change.editCount,
            editedAt: change.at,
          })
          .where(and(byId, sql`${messages.editCount} < ${change.editCount}`))
          .run();
        break;
    }
    return true;
  }
}
