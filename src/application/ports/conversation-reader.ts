import type { Attachment, Direction, Message } from '../../domain/message.js';

export interface ConversationSummary {
  /** The business account the customer writes to. */
  accountId: string;
  userId: string;
  username: string | null;
  name: string | null;
  /** The last message's own text (null when it has none) and attachments, as the customer sent them. */
  lastMessage: { id: number; mid: string; direction: Direction; text: string | null; attachments: Attachment[]; sentAt: number; deleted: boolean };
  messageCount: number;
  /** Inbound messages newer than the business's last outbound one. */
  unreadCount: number;
}

/** Position in a thread: messages strictly older than this are returned. */
export interface Cursor {
  sentAt: number;
  id: number;
}

export interface MessagePage {
  messages: Message[];
  /** Pass back as `before` for the next (older) page; null when there is none. */
  nextBefore: Cursor | null;
}

/**
 * Read side for the inbox and the API: queries, no changes. What it returns is never changed
 * afterwards (a reader may return the same objects again while they are current).
 */
export interface ConversationReader {
  /** Throws (saying why) when the local store cannot take a write: a full disk, a lock. */
  ping(): Promise<void>;
  /**
   * Newest last message first; `before` is the last message of the previous page's last row.
   * One row per (account, customer); `accountId`: only that account's.
   */
  conversations(options: { limit: number; before: Cursor | null; accountId?: string | null }): Promise<ConversationSummary[]>;
  /** One customer's messages (with `accountId`: those with that account only). */
  messages(userId: string, options: { limit: number; before: Cursor | null; accountId?: string | null }): Promise<MessagePage>;
  /** The accounts a customer has a conversation with, most recent first. */
  accountsOf(userId: string): Promise<string[]>;
  /** One message by its Instagram `mid`; null when not stored. */
  message(mid: string): Promise<Message | null>;
  /**
   * A mark of what the pages show now: of the conversation list (`userId` null: any page of it,
   * any account) or of `userId`'s thread pages. It differs from every earlier mark once something
   * such a page shows has changed (it may also differ when nothing has); a page read after taking
   * a mark is what the mark stands for, and may be answered again while the mark stays the same.
   * Null when the store cannot tell: such pages are always read.
   */
  changeMark(userId: string | null): string | null;
}
