import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
  (t) => [index('deferred_changes_mid').on(t.mid)],
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
