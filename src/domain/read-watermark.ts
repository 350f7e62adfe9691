import type { Direction } from './message.js';

/**
 * How far a customer has read one conversation: every message we sent up to `upTo` (a message
 * time) is read, as of the receipt at `at`. One per conversation, so a read receipt costs the
 * same however long the history is.
 */
export interface ReadWatermark {
  upTo: number;
  at: number;
}

/**
 * SPEC §4: a read receipt for a message covers it and every earlier one we sent. The watermark
 * only moves forward; a receipt for the same point keeps the earliest time. Returns `current`
 * itself when the receipt adds nothing.
 */
export function advanceWatermark(current: ReadWatermark | null, readSentAt: number, at: number): ReadWatermark | null {
  if (current === null || readSentAt > current.upTo) return { upTo: readSentAt, at };
  if (readSentAt === current.upTo && at < current.at) return { upTo: readSentAt, at };
  return current;
}

/** When the customer read one of our messages (null: not yet, or not ours). */
export function readAtOf(message: { direction: Direction; sentAt: number }, watermark: ReadWatermark | null): number | null {
  return message.direction === 'out' && watermark !== null && message.sentAt <= watermark.upTo ? watermark.at : null;
}
