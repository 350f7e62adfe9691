import { reactionOf } from '../../domain/message-change.js';
import type { Message } from '../../domain/message.js';
import { readAtOf, type ReadWatermark } from '../../domain/read-watermark.js';
import type { conversations, messages } from './schema.js';

/** A `messages` row. The same mapping as sqlite/message-row.ts: the two schemas hand out the same types (schema-drift test). */
export type MessageRow = typeof messages.$inferSelect;

/** A conversation's read watermark from its row (null: nothing read yet). */
export function watermarkOf(row: Pick<typeof conversations.$inferSelect, 'readUpTo' | 'readAt'> | undefined): ReadWatermark | null {
  return row?.readUpTo != null && row.readAt != null ? { upTo: row.readUpTo, at: row.readAt } : null;
}

/** The domain message; `watermark` is its conversation's, from which `readAt` is derived. */
export function toMessage(row: MessageRow, watermark: ReadWatermark | null = null): Message {
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
