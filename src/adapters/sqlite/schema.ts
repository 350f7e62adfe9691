import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    mid: text('mid').notNull().unique(),
    accountId: text('account_id').notNull(),
    customerId: text('customer_id').notNull(),
    direction: text('direction', { enum: ['in', 'out'] }).notNull(),
    text: text('text'),
    attachments: text('attachments', { mode: 'json' }).$type<{ type: string; url: string | null }[]>().notNull().default(sql`'[]'`),
    replyTo: text('reply_to', { mode: 'json' }).$type<{ mid?: string; storyId?: string; storyUrl?: string }>(),
    payload: text('payload'),
    sentAt: integer('sent_at').notNull(),
    receivedAt: integer('received_at').notNull(),
    reaction: text('reaction'),
    reactionEmoji: text('reaction_emoji'),
    reactedAt: integer('reacted_at'),
    /** No longer written: read state is the conversation's watermark (`conversations.read_up_to`). */
    readAt: integer('read_at'),
    deletedAt: integer('deleted_at'),
    editedAt: integer('edited_at'),
    editCount: integer('edit_count').notNull().default(0),
    originalText: text('original_text'),
    raw: text('raw').notNull(),
    crmState: text('crm_state', { enum: ['pending', 'mirrored', 'failed', 'not_mirrored'] }).notNull(),
    crmAttempts: integer('crm_attempts').notNull().default(0),
    crmLastError: text('crm_last_error'),
    crmNextAttemptAt: integer('crm_next_attempt_at'),
    crmMirroredAt: integer('crm_mirrored_at'),
    /** Set while a CRM write's outcome is unknown (timeout, lost connection): retry checks first. */
    crmInDoubt: integer('crm_in_doubt', { mode: 'boolean' }).notNull().default(false),
    /** How the message reached igbridge (SPEC §11). */
    origin: text('origin', { enum: ['webhook', 'api', 'history'] }).notNull().default('webhook'),
  },
  (t) => [
    index('messages_customer_time').on(t.customerId, t.sentAt, t.id),
    index('messages_crm_queue').on(t.crmState, t.crmNextAttemptAt, t.id),
  ],
);

/** Changes that arrived before their message (order is not guaranteed); applied when it comes. */
export const deferredChanges = sqliteTable(
  'deferred_changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    mid: text('mid').notNull(),
    kind: text('kind').notNull(),
    change: text('change').notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [
    // One row per (mid, kind): the store keeps only the change that supersedes the others.
    index('deferred_changes_mid_kind').on(t.mid, t.kind),
    // Expiry after DEFERRED_CHANGE_TTL_H walks this index, oldest first.
    index('deferred_changes_received').on(t.receivedAt),
  ],
);

/**
 * One row per conversation, kept in the same transaction as each message, so the inbox's list
 * reads `limit` rows through an index instead of ranking the whole history. Keyed by a
 * surrogate id with the customer unique: one account today; when several accounts come, an
 * `account_id` column is added and the unique key becomes (account_id, customer_id) without
 * rebuilding the table.
 */
export const conversations = sqliteTable(
  'conversations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: text('customer_id').notNull(),
    /** `messages.id` of the newest message (by message time, then id). */
    lastMessageId: integer('last_message_id').notNull(),
    lastSentAt: integer('last_sent_at').notNull(),
    lastOutSentAt: integer('last_out_sent_at'),
    messageCount: integer('message_count').notNull().default(0),
    /** Inbound messages newer than our newest outbound one. */
    unreadCount: integer('unread_count').notNull().default(0),
    /** Read watermark: every outbound message up to this message time is read, as of `read_at`. */
    readUpTo: integer('read_up_to'),
    readAt: integer('read_at'),
  },
  (t) => [
    uniqueIndex('conversations_customer').on(t.customerId),
    index('conversations_recent').on(t.lastSentAt, t.lastMessageId),
  ],
);

/** Customers: IGSID → Instagram username and name, from the Graph profile look-up. */
export const contacts = sqliteTable('contacts', {
  customerId: text('customer_id').primaryKey(),
  username: text('username'),
  name: text('name'),
  fetchedAt: integer('fetched_at'),
  lastError: text('last_error'),
  failedAt: integer('failed_at'),
});

/**
 * Where the Conversations API walks stand (SPEC §11), one row per walk (`import`, `sync`):
 * the conversations page being worked on and how many of its conversations are done, so an
 * interrupted walk resumes; `high_water` is the newest `updated_time` a finished sync saw.
 */
export const historyState = sqliteTable('history_state', {
  walk: text('walk').primaryKey(),
  cursor: text('cursor'),
  doneInPage: integer('done_in_page').notNull().default(0),
  highWater: integer('high_water'),
  /** The newest `updated_time` seen by the walk in progress (the next high-water mark). */
  newestSeen: integer('newest_seen'),
  /** What the walk in progress was started with and has done so far (JSON). */
  progress: text('progress'),
  updatedAt: integer('updated_at').notNull(),
});

/** One row `/readyz` rewrites: proof that the database can still write (a full disk or a lock fails it). */
export const health = sqliteTable('health', {
  id: integer('id').primaryKey(),
  checkedAt: integer('checked_at').notNull(),
});

/**
 * How many messages stand in each CRM state, kept by triggers on `messages` (a custom migration), so
 * /readyz and /metrics read three rows instead of counting a table that grows for ever.
 */
export const crmStateCounts = sqliteTable('crm_state_counts', {
  state: text('state', { enum: ['pending', 'mirrored', 'failed', 'not_mirrored'] }).primaryKey(),
  count: integer('count').notNull().default(0),
});
