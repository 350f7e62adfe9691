import { reactionOf } from './message-change.js';
import type { CrmState, Message, NewMessage } from './message.js';
import { readAtOf, type ReadWatermark } from './read-watermark.js';

/**
 * A message as every store keeps it (SQLite or PostgreSQL: the same `messages` columns, the
 * schema-drift test holds them equal): what is derived — the reaction, `read_at`, whether the CRM
 * row is behind — is worked out here once, for both.
 */
export interface StoredMessage extends Required<NewMessage> {
  id: number;
  receivedAt: number;
  reaction: string | null;
  reactionEmoji: string | null;
  reactedAt: number | null;
  deletedAt: number | null;
  editedAt: number | null;
  editCount: number;
  crmState: CrmState;
  crmAttempts: number;
  crmLastError: string | null;
  crmMirroredAt: number | null;
  crmEditsSent: number;
  crmUnsendSent: boolean;
}

/**
 * The columns a new message is inserted with, in either store: `replyTo` as JSON text (passed as
 * SQL, not through the JSON column's encoder, so that null stays NULL), the origin (`webhook`
 * unless said), when it was received, and its CRM state — `pending` and due now while the mirror
 * is on, else `not_mirrored` (only crm:backfill sends those).
 */
export function newMessageToStore(message: NewMessage, now: number, mirrored: boolean) {
  return {
    ...message,
    replyTo: message.replyTo === null ? null : JSON.stringify(message.replyTo),
    origin: message.origin ?? 'webhook',
    receivedAt: now,
    crmState: (mirrored ? 'pending' : 'not_mirrored') satisfies CrmState,
    crmNextAttemptAt: mirrored ? now : null,
  };
}

/** A conversation's read watermark as stored (null: nothing read yet). */
export function storedWatermark(row: { readUpTo: number | null; readAt: number | null } | undefined): ReadWatermark | null {
  return row?.readUpTo != null && row.readAt != null ? { upTo: row.readUpTo, at: row.readAt } : null;
}

/** The domain message; `watermark` is its conversation's, from which `readAt` is derived. */
export function messageFromStore(row: StoredMessage, watermark: ReadWatermark | null = null): Message {
  return {
    id: row.id,
    mid: row.mid,
    accountId: row.accountId,
    customerId: row.customerId,
    direction: row.direction,
    text: row.text,
    attachments: row.attachments,
    replyTo: row.replyTo ?? null,
    payload: row.payload,
    sentAt: row.sentAt,
    receivedAt: row.receivedAt,
    raw: row.raw,
    origin: row.origin,
    reaction: reactionOf(row),
    readAt: readAtOf(row, watermark),
    deletedAt: row.deletedAt,
    editedAt: row.editedAt,
    editCount: row.editCount,
    crm: {
      state: row.crmState,
      attempts: row.crmAttempts,
      lastError: row.crmLastError,
      mirroredAt: row.crmMirroredAt,
      changePending: row.crmState === 'mirrored' && (row.editCount > row.crmEditsSent || (row.deletedAt !== null && !row.crmUnsendSent)),
    },
  };
}
