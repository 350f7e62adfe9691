import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { ConversationReader, ConversationSummary, Cursor, MessagePage } from '../../application/ports/conversation-reader.js';
import type { Message } from '../../domain/message.js';
import type { ReadWatermark } from '../../domain/read-watermark.js';
import { TOKENS } from '../../tokens.js';
import type { PgDb } from './database.js';
import { toMessage, watermarkOf } from './message-row.js';
import { busyWhenUnavailable, driverError } from './pg-errors.js';
import { contacts, conversations, health, messages } from './schema.js';

type Options = { limit: number; before: Cursor | null; accountId?: string | null };

/**
 * The same answers as SqliteConversationReader, from PostgreSQL: the list walks the summaries in
 * `conversations` newest first (all accounts, or one through its own index), a thread walks one
 * customer's messages; both continue after a (time, id) cursor compared as a row value, which
 * PostgreSQL seeks to in the index.
 */
@injectable()
export class PgConversationReader implements ConversationReader {
  constructor(@inject(TOKENS.PostgresDatabase) private readonly db: PgDb) {}

  /** Another instance's commits are not seen here as they happen: every page is read. */
  changeMark(): null {
    return null;
  }

  /** A tiny real write (one row of `health`): fails, saying why, when PostgreSQL cannot commit. */
  async ping(): Promise<void> {
    try {
      await this.db
        .insert(health)
        .values({ id: 1, checkedAt: Date.now() })
        .onConflictDoUpdate({ target: health.id, set: { checkedAt: sql`excluded.checked_at` } });
    } catch (error) {
      const cause = driverError(error) as Error & { code?: string };
      throw new Error(`PostgreSQL cannot write: ${cause.message}${cause.code ? ` (${cause.code})` : ''}`, { cause });
    }
  }

  conversations(options: Options): Promise<ConversationSummary[]> {
    return busyWhenUnavailable('answer the read', () => this.listPage(options));
  }

  messages(userId: string, options: Options): Promise<MessagePage> {
    return busyWhenUnavailable('answer the read', () => this.threadPage(userId, options));
  }

  private async listPage({ limit, before, accountId = null }: Options): Promise<ConversationSummary[]> {
    const c = conversations;
    const m = messages;
    const rows = await this.db
      .select({
        accountId: c.accountId, userId: c.customerId, username: contacts.username, name: contacts.name,
        id: m.id, mid: m.mid, direction: m.direction, text: m.text, attachments: m.attachments, sentAt: m.sentAt, deletedAt: m.deletedAt,
        messageCount: c.messageCount, unreadCount: c.unreadCount,
      })
      .from(c)
      .innerJoin(m, eq(m.id, c.lastMessageId))
      .leftJoin(contacts, eq(contacts.customerId, c.customerId))
      .where(and(
        accountId === null ? undefined : eq(c.accountId, accountId),
        before ? sql`(${c.lastSentAt}, ${c.lastMessageId}) < (${before.sentAt}, ${before.id})` : undefined,
      ))
      .orderBy(desc(c.lastSentAt), desc(c.lastMessageId))
      .limit(limit);
    return rows.map((row) => ({
      accountId: row.accountId,
      userId: row.userId,
      username: row.username,
      name: row.name,
      lastMessage: { id: row.id, mid: row.mid, direction: row.direction, text: row.text, attachments: row.attachments, sentAt: row.sentAt, deleted: row.deletedAt !== null },
      messageCount: row.messageCount,
      unreadCount: row.unreadCount,
    }));
  }

  async message(mid: string): Promise<Message | null> {
    const [row] = await this.db.select().from(messages).where(eq(messages.mid, mid));
    return row ? toMessage(row, await this.watermark(row.accountId, row.customerId)) : null;
  }

  private async threadPage(userId: string, { limit, before, accountId = null }: Options): Promise<MessagePage> {
    const m = messages;
    const conditions: Array<SQL | undefined> = [
      eq(m.customerId, userId),
      accountId === null ? undefined : eq(m.accountId, accountId),
      before ? sql`(${m.sentAt}, ${m.id}) < (${before.sentAt}, ${before.id})` : undefined,
    ];
    const rows = await this.db.select().from(m).where(and(...conditions)).orderBy(desc(m.sentAt), desc(m.id)).limit(limit + 1);
    // Each message's read state comes from its own conversation's watermark.
    const watermarks = new Map<string, ReadWatermark | null>();
    for (const account of new Set(rows.slice(0, limit).map((row) => row.accountId))) watermarks.set(account, await this.watermark(account, userId));
    const page = rows.slice(0, limit).reverse().map((row) => toMessage(row, watermarks.get(row.accountId) ?? null));
    const oldest = page[0];
    return {
      messages: page,
      nextBefore: rows.length > limit && oldest ? { sentAt: oldest.sentAt, id: oldest.id } : null,
    };
  }

  async accountsOf(userId: string): Promise<string[]> {
    const c = conversations;
    // Ties in the order SQLite gives them (its index on customer_id keeps the rows in id order).
    const rows = await this.db.select({ accountId: c.accountId }).from(c).where(eq(c.customerId, userId)).orderBy(desc(c.lastSentAt), asc(c.id));
    return rows.map((row) => row.accountId);
  }

  private async watermark(accountId: string, customerId: string): Promise<ReadWatermark | null> {
    const c = conversations;
    const [row] = await this.db
      .select({ readUpTo: c.readUpTo, readAt: c.readAt })
      .from(c)
      .where(and(eq(c.accountId, accountId), eq(c.customerId, customerId)));
    return watermarkOf(row);
  }
}
