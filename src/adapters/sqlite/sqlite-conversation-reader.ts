import { and, desc, eq, sql } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { ConversationReader, ConversationSummary, Cursor, MessagePage } from '../../application/ports/conversation-reader.js';
import type { Direction, Message } from '../../domain/message.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { toMessage, watermarkOf } from './message-row.js';
import { conversations, messages } from './schema.js';

interface SummaryRow {
  customer_id: string;
  id: number;
  username: string | null;
  name: string | null;
  mid: string;
  direction: Direction;
  text: string | null;
  attachments: string;
  sent_at: number;
  deleted_at: number | null;
  message_count: number;
  unread_count: number;
}

/**
 * Reads `limit` rows through an index whatever the history holds: the list walks the
 * summaries kept in `conversations` (newest first), a thread walks one customer's messages;
 * both continue after a (time, id) cursor compared as a row value, which SQLite seeks to.
 */
@injectable()
export class SqliteConversationReader implements ConversationReader {
  constructor(@inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb) {}

  /** A tiny real write (one row of `health`): a full disk or another process's lock fails it. */
  async ping(): Promise<void> {
    this.db.$client.prepare('INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at').run(Date.now());
  }

  async conversations({ limit, before }: { limit: number; before: Cursor | null }): Promise<ConversationSummary[]> {
    const rows = this.db.all<SummaryRow>(conversationsQuery(limit, before));
    return rows.map((row) => ({
      userId: row.customer_id,
      username: row.username,
      name: row.name,
      lastMessage: {
        id: row.id,
        mid: row.mid,
        direction: row.direction,
        text: row.text,
        attachments: JSON.parse(row.attachments),
        sentAt: row.sent_at,
        deleted: row.deleted_at !== null,
      },
      messageCount: row.message_count,
      unreadCount: row.unread_count,
    }));
  }

  async message(mid: string): Promise<Message | null> {
    const row = this.db.select().from(messages).where(eq(messages.mid, mid)).get();
    return row ? toMessage(row, this.watermark(row.customerId)) : null;
  }

  async messages(userId: string, { limit, before }: { limit: number; before: Cursor | null }): Promise<MessagePage> {
    const rows = this.db
      .select()
      .from(messages)
      .where(and(eq(messages.customerId, userId), before ? sql`(${messages.sentAt}, ${messages.id}) < (${before.sentAt}, ${before.id})` : undefined))
      .orderBy(desc(messages.sentAt), desc(messages.id))
      .limit(limit + 1)
      .all();
    const watermark = rows.length > 0 ? this.watermark(userId) : null;
    const page = rows.slice(0, limit).reverse().map((row) => toMessage(row, watermark));
    const oldest = page[0];
    return {
      messages: page,
      nextBefore: rows.length > limit && oldest ? { sentAt: oldest.sentAt, id: oldest.id } : null,
    };
  }

  private watermark(customerId: string) {
    return watermarkOf(this.db.select().from(conversations).where(eq(conversations.customerId, customerId)).get());
  }
}

/** The inbox's list: `limit` summaries newest first, each joined to its last message and contact. */
export function conversationsQuery(limit: number, before: Cursor | null) {
  const olderThan = before ? sql`WHERE (c.last_sent_at, c.last_message_id) < (${before.sentAt}, ${before.id})` : sql``;
  return sql`
    SELECT c.customer_id, k.username, k.name, m.id, m.mid, m.direction, m.text, m.attachments,
           m.sent_at, m.deleted_at, c.message_count, c.unread_count
    FROM conversations c
    JOIN messages m ON m.id = c.last_message_id
    LEFT JOIN contacts k ON k.customer_id = c.customer_id
    ${olderThan}
    ORDER BY c.last_sent_at DESC, c.last_message_id DESC
    LIMIT ${limit}`;
}
