import { and, eq, sql } from 'drizzle-orm';
import type { Message } from '../../domain/message.js';
import type { ReadWatermark } from '../../domain/read-watermark.js';
import type { PgTx } from './database.js';
import { watermarkOf } from './message-row.js';
import { conversations } from './schema.js';

const c = conversations;
const excluded = (column: string) => sql.raw(`excluded.${column}`);
const newer = sql`(${excluded('last_sent_at')}, ${excluded('last_message_id')}) > (${c.lastSentAt}, ${c.lastMessageId})`;
const afterLastOut = sql`${excluded('last_sent_at')} > coalesce(${c.lastOutSentAt}, -1)`;

/**
 * Keeps `conversations` (one row per account and customer) right as messages arrive, inside the
 * caller's transaction, with the same answers as SqliteConversationSummaries. Several instances
 * write at once, so nothing is read, changed in JS and written back:
 * - a new message is one INSERT … ON CONFLICT DO UPDATE whose comparisons (newer last message,
 *   later outbound one, unread +1) are SQL on the row as it stands once locked — PostgreSQL
 *   evaluates them on the latest committed version, not on a stale snapshot;
 * - an outbound message that becomes the newest one recounts the inbound messages after it in a
 *   second statement, while this transaction holds the row's lock: that statement's snapshot
 *   sees every message whose transaction updated the row before (in the upsert itself, the
 *   count would use a snapshot taken before waiting for the lock, and could miss one); an inbound
 *   message not committed yet adds its own +1 afterwards, against the new last outbound time;
 * - a read receipt locks the row (FOR UPDATE) before the domain moves the watermark.
 */
export class PgConversationSummaries {
  /** Counts a newly stored message in; returns its conversation's read watermark. */
  async added(tx: PgTx, message: Pick<Message, 'id' | 'accountId' | 'customerId' | 'direction' | 'sentAt'>): Promise<ReadWatermark | null> {
    const inbound = message.direction === 'in';
    const [row] = await tx
      .insert(c)
      .values({
        accountId: message.accountId, customerId: message.customerId, lastMessageId: message.id, lastSentAt: message.sentAt,
        lastOutSentAt: inbound ? null : message.sentAt, messageCount: 1, unreadCount: inbound ? 1 : 0,
      })
      .onConflictDoUpdate({
        target: [c.accountId, c.customerId],
        set: {
          messageCount: sql`${c.messageCount} + 1`,
          lastMessageId: sql`CASE WHEN ${newer} THEN ${excluded('last_message_id')} ELSE ${c.lastMessageId} END`,
          lastSentAt: sql`greatest(${c.lastSentAt}, ${excluded('last_sent_at')})`,
          lastOutSentAt: sql`CASE WHEN ${excluded('last_out_sent_at')} IS NULL THEN ${c.lastOutSentAt}
            ELSE greatest(coalesce(${c.lastOutSentAt}, -1), ${excluded('last_out_sent_at')}) END`,
          // Inbound after our last reply: one more unread. Outbound: recounted below.
          unreadCount: sql`CASE WHEN ${afterLastOut} AND ${excluded('unread_count')} = 1 THEN ${c.unreadCount} + 1 ELSE ${c.unreadCount} END`,
        },
      })
      .returning({ readUpTo: c.readUpTo, readAt: c.readAt, lastOutSentAt: c.lastOutSentAt });
    if (!inbound && row!.lastOutSentAt === message.sentAt) {
      await tx
        .update(c)
        .set({
          unreadCount: sql`(SELECT count(*) FROM messages i WHERE i.account_id = ${message.accountId} AND i.customer_id = ${message.customerId}
            AND i.direction = 'in' AND i.sent_at > ${message.sentAt})`,
        })
        .where(this.of(message.accountId, message.customerId));
    }
    return watermarkOf(row);
  }

  async watermark(tx: PgTx, accountId: string, customerId: string, lock = false): Promise<ReadWatermark | null> {
    const query = tx.select({ readUpTo: c.readUpTo, readAt: c.readAt }).from(c).where(this.of(accountId, customerId));
    const [row] = lock ? await query.for('update') : await query;
    return watermarkOf(row);
  }

  async setWatermark(tx: PgTx, accountId: string, customerId: string, watermark: ReadWatermark): Promise<void> {
    await tx.update(c).set({ readUpTo: watermark.upTo, readAt: watermark.at }).where(this.of(accountId, customerId));
  }

  private of(accountId: string, customerId: string) {
    return and(eq(c.accountId, accountId), eq(c.customerId, customerId));
  }
}
