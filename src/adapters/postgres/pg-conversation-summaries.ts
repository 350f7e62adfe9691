import { and, eq, sql, type SQL } from 'drizzle-orm';
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
 * Counts the messages of `source` (rows of `messages`: the CTE of a message just inserted) into
 * their conversations, as one INSERT … ON CONFLICT DO UPDATE whose comparisons (newer last
 * message, later outbound one, unread +1) are SQL on the row as it stands once locked —
 * PostgreSQL evaluates them on the latest committed version, not on a stale snapshot. An inbound
 * message after our last reply is one more unread; an outbound one is recounted afterwards
 * (PgConversationSummaries.outboundAdded). Returns
 * the conversation's read watermark and newest outbound time (PgMessageInsert).
 */
export function countIn(source: SQL): SQL {
  const inbound = sql.raw(`direction = 'in'`);
  return sql`INSERT INTO ${c} (${sql.join([c.accountId, c.customerId, c.lastMessageId, c.lastSentAt, c.lastOutSentAt, c.messageCount, c.unreadCount].map((column) => sql.identifier(column.name)), sql`, `)})
    SELECT account_id, customer_id, id, sent_at, CASE WHEN ${inbound} THEN NULL ELSE sent_at END, 1, CASE WHEN ${inbound} THEN 1 ELSE 0 END FROM ${source}
    ON CONFLICT (${sql.identifier(c.accountId.name)}, ${sql.identifier(c.customerId.name)}) DO UPDATE SET
      ${sql.identifier(c.messageCount.name)} = ${c.messageCount} + 1,
      ${sql.identifier(c.lastMessageId.name)} = CASE WHEN ${newer} THEN ${excluded('last_message_id')} ELSE ${c.lastMessageId} END,
      ${sql.identifier(c.lastSentAt.name)} = greatest(${c.lastSentAt}, ${excluded('last_sent_at')}),
      ${sql.identifier(c.lastOutSentAt.name)} = CASE WHEN ${excluded('last_out_sent_at')} IS NULL THEN ${c.lastOutSentAt}
        ELSE greatest(coalesce(${c.lastOutSentAt}, -1), ${excluded('last_out_sent_at')}) END,
      ${sql.identifier(c.unreadCount.name)} = CASE WHEN ${afterLastOut} AND ${excluded('unread_count')} = 1 THEN ${c.unreadCount} + 1 ELSE ${c.unreadCount} END
    RETURNING ${c.readUpTo}, ${c.readAt}, ${c.lastOutSentAt}`;
}

/**
 * Keeps `conversations` (one row per account and customer) right as messages arrive, inside the
 * caller's transaction, with the same answers as SqliteConversationSummaries. Several instances
 * write at once, so nothing is read, changed in JS and written back:
 * - a new message is counted in by `countIn` (in the statement that inserts it);
 * - an outbound message that becomes the newest one recounts the inbound messages after it in a
 *   second statement, while this transaction holds the row's lock: that statement's snapshot
 *   sees every message whose transaction updated the row before (in the upsert itself, the
 *   count would use a snapshot taken before waiting for the lock, and could miss one); an inbound
 *   message not committed yet adds its own +1 afterwards, against the new last outbound time;
 * - a read receipt locks the row (FOR UPDATE) before the domain moves the watermark.
 */
export class PgConversationSummaries {
  /** After `countIn` of an outbound message: when it became the newest outbound one, recounts the unread. */
  async outboundAdded(tx: PgTx, message: Pick<Message, 'accountId' | 'customerId' | 'direction' | 'sentAt'>, lastOutSentAt: number | null): Promise<void> {
    if (message.direction === 'in' || lastOutSentAt !== message.sentAt) return;
    await tx
      .update(c)
      .set({
        unreadCount: sql`(SELECT count(*) FROM messages i WHERE i.account_id = ${message.accountId} AND i.customer_id = ${message.customerId}
          AND i.direction = 'in' AND i.sent_at > ${message.sentAt})`,
      })
      .where(this.of(message.accountId, message.customerId));
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
