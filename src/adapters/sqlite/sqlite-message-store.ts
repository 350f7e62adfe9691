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

interface Job {
  events: InstagramEvent[];
  resolve(result: RecordResult): void;
  reject(error: unknown): void;
}

/**
 * The primary store. One synchronous transaction per delivery (better-sqlite3 requires it).
 *
 * Group commit: with synchronous=FULL every COMMIT waits for an fsync (about 2 ms on the bench
 * machine, most of a webhook's cost). Deliveries recorded in the same event-loop turn share
 * one transaction and one fsync; each runs in its own savepoint, so a delivery still commits
 * all or nothing, and each caller is answered only after the shared COMMIT is on disk.
 */
@injectable()
export class SqliteMessageStore implements MessageStore {
  private queue: Job[] = [];
  private readonly statements;

  constructor(
    @inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb,
    @inject(TOKENS.Config) private readonly config: Pick<Config, 'crm'>,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {
    const p = (name: string) => sql.placeholder(name);
    this.statements = {
      insert: db
        .insert(messages)
        .values({
          mid: p('mid'), accountId: p('accountId'), customerId: p('customerId'), direction: p('direction'), text: p('text'),
          attachments: p('attachments'), replyTo: sql`${p('replyTo')}`, payload: p('payload'), sentAt: p('sentAt'), raw: p('raw'),
          receivedAt: p('receivedAt'), crmState: p('crmState'), crmNextAttemptAt: p('crmNextAttemptAt'), origin: p('origin'),
        })
        .onConflictDoNothing({ target: messages.mid })
        .returning()
        .prepare(),
      deferredFor: db.select().from(deferredChanges).where(eq(deferredChanges.mid, p('mid'))).orderBy(asc(deferredChanges.id)).prepare(),
    };
  }

  record(events: InstagramEvent[]): Promise<RecordResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits every queued delivery in one transaction, one savepoint each. */
  private flush(): void {
    const jobs = this.queue;
    this.queue = [];
    const now = this.clock.now();
    const outcomes: Array<{ result: RecordResult } | { error: unknown }> = [];
    try {
      this.db.transaction((tx) => {
        // Alone, a delivery needs no savepoint: its error rolls the whole transaction back.
        if (jobs.length === 1) {
          outcomes.push({ result: this.recordIn(tx, jobs[0].events, now) });
          return;
        }
        for (const job of jobs) {
          try {
            outcomes.push({ result: tx.transaction((sp) => this.recordIn(sp, job.events, now)) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) job.reject(outcome.error);
      else job.resolve(outcome.result);
    });
  }

  private recordIn(tx: Tx, events: InstagramEvent[], now: number): RecordResult {
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
  }

  private insert(tx: Tx, message: NewMessage, now: number): Message | null {
    const pending = this.config.crm.enabled;
    // Prepared once: building and preparing the SQL per webhook cost more than the insert itself.
    const inserted = this.statements.insert.get({
      ...message,
      // Passed as SQL, not through the JSON column's encoder, so that null stays NULL.
      replyTo: message.replyTo === null ? null : JSON.stringify(message.replyTo),
      origin: message.origin ?? 'webhook',
      receivedAt: now,
      crmState: pending ? 'pending' : 'not_mirrored',
      crmNextAttemptAt: pending ? now : null,
    });
    if (!inserted) return null;
    const waiting = this.statements.deferredFor.all({ mid: message.mid });
    if (waiting.length === 0) return toMessage(inserted);
    for (const deferred of waiting) this.apply(tx, JSON.parse(deferred.change) as MessageChange);
    tx.delete(deferredChanges).where(eq(deferredChanges.mid, message.mid)).run();
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
