import { and, eq, sql } from 'drizzle-orm';
import type { Message } from '../../domain/message.js';
import type { ReadWatermark } from '../../domain/read-watermark.js';
import type { SqliteDb } from './database.js';
import { watermarkOf } from './message-row.js';
import { conversations } from './schema.js';

/**
 * Keeps `conversations` (one row per account and customer) right as messages arrive, inside the
 * caller's transaction: one upsert per new message (plus, for an outbound one newer than the last, a count of the inbound
 * messages after it — a short index range), and one update per read receipt. Order of arrival
 * does not matter: the last message is the newest by (message time, id), and unread counts
 * inbound messages newer than our newest outbound one.
 */
export class SqliteConversationSummaries {
  private readonly statements;

  constructor(db: SqliteDb) {
    const p = (name: string) => sql.placeholder(name);
    const c = conversations;
    const newer = sql`(excluded.last_sent_at, excluded.last_message_id) > (${c.lastSentAt}, ${c.lastMessageId})`;
    const afterLastOut = sql`excluded.last_sent_at > coalesce(${c.lastOutSentAt}, -1)`;
    this.statements = {
      added: db
        .insert(c)
        .values({
          accountId: p('accountId'), customerId: p('customerId'), lastMessageId: p('id'), lastSentAt: p('sentAt'), lastOutSentAt: sql`${p('outSentAt')}`,
          messageCount: 1, unreadCount: sql`${p('inbound')}`,
        })
        .onConflictDoUpdate({
          target: [c.accountId, c.customerId],
          set: {
            messageCount: sql`${c.messageCount} + 1`,
            lastMessageId: sql`CASE WHEN ${newer} THEN excluded.last_message_id ELSE ${c.lastMessageId} END`,
            lastSentAt: sql`max(${c.lastSentAt}, excluded.last_sent_at)`,
            lastOutSentAt: sql`CASE WHEN excluded.last_out_sent_at IS NULL THEN ${c.lastOutSentAt}
              ELSE max(coalesce(${c.lastOutSentAt}, -1), excluded.last_out_sent_at) END`,
            unreadCount: sql`CASE
              WHEN NOT ${afterLastOut} THEN ${c.unreadCount}
              WHEN excluded.unread_count = 1 THEN ${c.unreadCount} + 1
              ELSE (SELECT count(*) FROM messages i WHERE i.customer_id = excluded.customer_id
                      AND i.account_id = excluded.account_id AND i.direction = 'in' AND i.sent_at > excluded.last_sent_at) END`,
          },
        })
        .returning({ readUpTo: c.readUpTo, readAt: c.readAt })
        .prepare(),
      watermark: db.select({ readUpTo: c.readUpTo, readAt: c.readAt }).from(c).where(and(eq(c.accountId, p('accountId')), eq(c.customerId, p('customerId')))).prepare(),
      setWatermark: db
        .update(c)
        .set({ readUpTo: sql`${p('upTo')}`, readAt: sql`${p('at')}` })
        .where(and(eq(c.accountId, p('accountId')), eq(c.customerId, p('customerId'))))
        .prepare(),
    };
  }

  /** Counts a newly stored message in; returns its conversation's read watermark. */
  added(message: Pick<Message, 'id' | 'accountId' | 'customerId' | 'direction' | 'sentAt'>): ReadWatermark | null {
    const inbound = message.direction === 'in';
    const row = this.statements.added.get({
      accountId: message.accountId,
      customerId: message.customerId,
      id: message.id,
      sentAt: message.sentAt,
      outSentAt: inbound ? null : message.sentAt,
      inbound: inbound ? 1 : 0,
    });
    return watermarkOf(row);
  }

  watermark(accountId: string, customerId: string): ReadWatermark | null {
    return watermarkOf(this.statements.watermark.get({ accountId, customerId }));
  }

  setWatermark(accountId: string, customerId: string, watermark: ReadWatermark): void {
    this.statements.setWatermark.run({ accountId, customerId, upTo: watermark.upTo, at: watermark.at });
  }
}
