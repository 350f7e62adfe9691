import type { Message } from '../../domain/message.js';
import type { messages } from './schema.js';

export type MessageRow = typeof messages.$inferSelect;

export function toMessage(row: MessageRow): Message {
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
    reaction: row.reactedAt !== null && (row.reaction !== null || row.reactionEmoji !== null)
      ? { reaction: row.reaction, emoji: row.reactionEmoji, at: row.reactedAt }
      : null,
    readAt: row.readAt,
    deletedAt: row.deletedAt,
    editedAt: row.editedAt,
    editCount: row.editCount,
    crm: {
      state: row.crmState,
      attempts: row.crmAttempts,
      lastError: row.crmLastError,
      mirroredAt: row.crmMirroredAt,
    },
  };
}
