import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A mirrored message whose edit or unsend the CRM row does not show yet (the partial index's condition). */
export const CRM_CHANGE_PENDING = sql`crm_state = 'mirrored' AND (edit_count > crm_edits_sent OR (deleted_at IS NOT NULL AND crm_unsend_sent = 0))`;

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
    /** The edit count the CRM row shows (edits reach a CRM with a mid column, SPEC §10). */
    crmEditsSent: integer('crm_edits_sent').notNull().default(0),
    /** Whether the CRM row shows the unsend. */
    crmUnsendSent: integer('crm_unsend_sent', { mode: 'boolean' }).notNull().default(false),
    /** How the message reached igbridge (SPEC §11). */
    origin: text('origin', { enum: ['webhook', 'api', 'history'] }).notNull().default('webhook'),
  },
  (t) => [
    index('messages_customer_time').on(t.customerId, t.sentAt, t.id),
    index('messages_crm_queue').on(t.crmState, t.crmNextAttemptAt, t.id),
    // The CRM's second queue: mirrored messages edited or unsent since. Partial, so it holds only
    // those, and finding them never walks the history.
    index('messages_crm_changes').on(t.crmState, t.id).where(CRM_CHANGE_PENDING),
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
 * One row per conversation — an (account, customer) pair — kept in the same transaction as each
 * message, so the inbox's list reads `limit` rows through an index instead of ranking the whole
 * history (all accounts, or one).
 */
export const conversations = sqliteTable(
  'conversations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The business account (`messages.account_id`, a webhook's `entry[].id`). */
    accountId: text('account_id').notNull().default(''),
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
    uniqueIndex('conversations_account_customer').on(t.accountId, t.customerId),
    // Which accounts a customer talks to (a send without account_id, a profile look-up's token).
    index('conversations_customer_id').on(t.customerId),
    index('conversations_recent').on(t.lastSentAt, t.lastMessageId),
    index('conversations_account_recent').on(t.accountId, t.lastSentAt, t.lastMessageId),
  ],
);

/**
 * SPEC §12: the Instagram accounts igbridge serves and their access tokens (the database file is
 * 0600). `token_state` is `ok` or `invalid` (Meta refused it: `token_error` says how); `expiring`
 * is worked out from `expires_at`. `env_token_hash`: the SHA-256 of the IG_ACCESS_TOKEN last
 * applied to this account, so that a token refreshed since is replaced only when the env changes.
 */
export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  username: text('username'),
  token: text('token').notNull(),
  tokenState: text('token_state', { enum: ['ok', 'invalid'] }).notNull().default('ok'),
  tokenError: text('token_error'),
  tokenAt: integer('token_at').notNull(),
  expiresAt: integer('expires_at'),
  refreshedAt: integer('refreshed_at'),
  envTokenHash: text('env_token_hash'),
  addedAt: integer('added_at').notNull(),
});

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
 * Where the Conversations API walks stand (SPEC §11), one row per walk and account
 * (`import:<account id>`, `sync:<account id>`):
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
