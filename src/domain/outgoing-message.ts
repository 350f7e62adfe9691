import { ValidationError } from './errors.js';

/** Meta's limit for a DM's text: 1,000 bytes of UTF-8 (bytes, not characters). */
export const MAX_OUTGOING_TEXT_BYTES = 1000;

export type OutgoingContent = { kind: 'text'; text: string } | { kind: 'image'; url: string };

/** A reply the business asks igbridge to send to one customer. */
export interface OutgoingMessage {
  /** The customer's IGSID. */
  recipientId: string;
  /** The business account to send from; null: the one the customer talks to (or the only one). */
  accountId?: string | null;
  content: OutgoingContent;
  /** Send with Meta's HUMAN_AGENT tag: replies up to 7 days after the customer's last message. */
  humanAgent: boolean;
}

/** Text Meta accepts: not blank, at most 1,000 UTF-8 bytes. Throws ValidationError. */
export function checkOutgoingText(text: string, field = 'text'): string {
  if (text.trim().length === 0) throw new ValidationError(`${field} must not be empty`, { field });
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_OUTGOING_TEXT_BYTES) {
    throw new ValidationError(
      `${field} is ${bytes} bytes of UTF-8 (${[...text].length} characters); Instagram allows at most ${MAX_OUTGOING_TEXT_BYTES} bytes`,
      { field, bytes, max_bytes: MAX_OUTGOING_TEXT_BYTES },
    );
  }
  return text;
}

/** An image Meta can fetch: an absolute https URL. Throws ValidationError. */
export function checkImageUrl(value: string, field = 'attachment.url'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`${field} must be an absolute URL`, { field });
  }
  if (url.protocol !== 'https:') throw new ValidationError(`${field} must be an https:// URL`, { field });
  if (value.length > 2048) throw new ValidationError(`${field} must be at most 2048 characters`, { field });
  return value;
}
