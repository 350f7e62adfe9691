import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { ConversationReader, ConversationSummary, Cursor, MessagePage } from '../../application/ports/conversation-reader.js';
import type { Direction, Message } from '../../domain/message.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { toMessage } from './message-row.js';
import { messages } from './schema.js';

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

@injectable()
export class SqliteConversationReader implements ConversationReader {
  constructor(@inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb) {}

  async ping(): Promise<void> {
    this.db.$client.prepare('SELECT 1').get();
  }

  async conversations({ limit, before }: { limit: number; before: Cursor | null }): Promise<ConversationSummary[]> {
    const olderThan = before
      ? sql`AND (r.sent_at < ${before.sentAt} OR (r.sent_at = ${before.sentAt} AND r.id < ${before.id}))`
      : sql``;
    const rows = this.db.all<SummaryRow>(sql`
      WITH ranked AS (
        SELECT m.*,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY sent_at DESC, id DESC) AS rn,
               COUNT(*) OVER (PARTITION BY customer_id) AS message_count,
               MAX(CASE WHEN direction = 'out' THEN sent_at END) OVER (PARTITION BY customer_id) AS last_out
        FROM messages m
      )
      SELECT r.customer_id, c.username, c.name, r.id, r.mid, r.direction, r.text, r.attachments,
             r.sent_at, r.deleted_at, r.message_count,
             (SELECT COUNT(*) FROM messages i
               WHERE i.customer_id = r.customer_id AND i.direction = 'in'
                 AND i.sent_at > COALESCE(r.last_out, -1)) AS unread_count
      FROM ranked r LEFT JOIN contacts c ON c.customer_id = r.customer_id
      WHERE r.rn = 1 ${olderThan}
      ORDER BY r.sent_at DESC, r.id DESC
      LIMIT ${limit}`);
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
    return row ? toMessage(row) : null;
  }

  async messages(userId: string, { limit, before }: { limit: number; before: Cursor | null }): Promise<MessagePage> {
    const olderThan = before
      ? or(lt(messages.sentAt, before.sentAt), and(eq(messages.sentAt, before.sentAt), lt(messages.id, before.id)))
      : undefined;
    const rows = this.db
      .select()
      .from(messages)
      .where(and(eq(messages.customerId, userId), olderThan))
      .orderBy(desc(messages.sentAt), desc(messages.id))
      .limit(limit + 1)
      .all();
    const page = rows.slice(0, limit).reverse().map(toMessage);
    const oldest = page[0];
    return {
      messages: page,
      nextBefore: rows.length > limit && oldest ? { sentAt: oldest.sentAt, id: oldest.id } : null,
    };
  }
}
