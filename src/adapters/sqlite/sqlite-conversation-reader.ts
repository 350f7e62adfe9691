import { and, desc, eq, sql } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { ConversationReader, ConversationSummary, Cursor, MessagePage } from '../../application/ports/conversation-reader.js';
import type { Direction, Message } from '../../domain/message.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { toMessage, watermarkOf } from './message-row.js';
import { conversations, messages } from './schema.js';

interface SummaryRow {
  account_id: string;
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
 * summaries kept in `conversations` (newest first; all accounts, or one through its own index),
 * a thread walks one customer's messages;
 * both continue after a (time, id) cursor compared as a row value, which SQLite seeks to.
 */
@injectable()
export class SqliteConversationReader implements ConversationReader {
  constructor(@inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb) {}

  /** A tiny real write (one row of `health`): a full disk or another process's lock fails it. */
  async ping(): Promise<void> {
    this.db.$client.prepare('INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at').run(Date.now());
  }

  async conversations({ limit, before, accountId = null }: { limit: number; before: Cursor | null; accountId?: string | null }): Promise<ConversationSummary[]> {
    const rows = this.db.all<SummaryRow>(conversationsQuery(limit, before, accountId));
    return rows.map((row) => ({
      accountId: row.account_id,
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
    return row ? toMessage(row, this.watermark(row.accountId, row.customerId)) : null;
  }

  async messages(userId: string, { limit, before, accountId = null }: { limit: number; before: Cursor | null; accountId?: string | null }): Promise<MessagePage> {
    const rows = this.db
      .select()
      .from(messages)
      .where(and(
        eq(messages.customerId, userId),
        accountId === null ? undefined : eq(messages.accountId, accountId),
        before ? sql`(${messages.sentAt}, ${messages.id}) < (${before.sentAt}, ${before.id})` : undefined,
      ))
      .orderBy(desc(messages.sentAt), desc(messages.id))
      .limit(limit + 1)
      .all();
    // Each message's read state comes from its own conversation's watermark.
    const watermarks = new Map<string, ReturnType<SqliteConversationReader['watermark']>>();
    const watermarkOfAccount = (account: string) => {
      if (!watermarks.has(account)) watermarks.set(account, this.watermark(account, userId));
      return watermarks.get(account)!;
    };
    const page = rows.slice(0, limit).reverse().map((row) => toMessage(row, watermarkOfAccount(row.accountId)));
    const oldest = page[0];
    return {
      messages: page,
      nextBefore: rows.length > limit && oldest ? { sentAt: oldest.sentAt, id: oldest.id } : null,
    };
  }

  async accountsOf(userId: string): Promise<string[]> {
    // A customer's few conversations, sorted here (an ORDER BY would want a temporary b-tree).
    return this.db
      .select({ accountId: conversations.accountId, lastSentAt: conversations.lastSentAt })
      .from(conversations)
      .where(eq(conversations.customerId, userId))
      .all()
      .sort((x, y) => y.lastSentAt - x.lastSentAt)
      .map((row) => row.accountId);
  }

  private watermark(accountId: string, customerId: string) {
    return watermarkOf(this.db.select().from(conversations).where(and(eq(conversations.accountId, accountId), eq(conversations.customerId, customerId))).get());
  }
}

/** The inbox's list: `limit` summaries newest first (of one account, or all), each joined to its last message and contact. */
export function conversationsQuery(limit: number, before: Cursor | null, accountId: string | null = null) {
  const conditions = [
    accountId === null ? null : sql`c.account_id = ${accountId}`,
    before ? sql`(c.last_sent_at, c.last_message_id) < (${before.sentAt}, ${before.id})` : null,
  ].filter((condition) => condition !== null);
  const where = conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
  return sql`
    SELECT c.account_id, c.customer_id, k.username, k.name, m.id, m.mid, m.direction, m.text, m.attachments,
           m.sent_at, m.deleted_at, c.message_count, c.unread_count
    FROM conversations c
    JOIN messages m ON m.id = c.last_message_id
    LEFT JOIN contacts k ON k.customer_id = c.customer_id
    ${where}
    ORDER BY c.last_sent_at DESC, c.last_message_id DESC
    LIMIT ${limit}`;
}
