/** A direct message between the business and one customer, as igbridge keeps it. */
export type Direction = 'in' | 'out';

/** How igbridge learnt of a message: Meta's webhook, a reply sent through its API, or the Conversations API (history). */
export type Origin = 'webhook' | 'api' | 'history';

/** Where a message stands with the CRM mirror. */
export type CrmState = 'pending' | 'mirrored' | 'failed' | 'not_mirrored';

export interface Attachment {
  type: string;
  url: string | null;
}

export interface ReplyTo {
  mid?: string;
  storyId?: string;
  storyUrl?: string;
}

/** A message as it arrives: from a webhook, or from a send that Meta accepted. */
export interface NewMessage {
  mid: string;
  accountId: string;
  /** The customer's IGSID: the sender of an inbound message, the recipient of an outbound one. */
  customerId: string;
  direction: Direction;
  text: string | null;
  attachments: Attachment[];
  replyTo: ReplyTo | null;
  /** Quick-reply or postback payload, when the customer tapped a button. */
  payload: string | null;
  /** Message time in milliseconds since the epoch. */
  sentAt: number;
  /** The event as Meta sent it (or as we sent it), kept because Meta keeps no history. */
  raw: string;
  /** How it reached igbridge; `webhook` when not said. */
  origin?: Origin;
}

export interface Reaction {
  reaction: string | null;
  emoji: string | null;
  at: number;
}

/** A stored message with what happened to it since. */
export interface Message extends NewMessage {
  id: number;
  origin: Origin;
  receivedAt: number;
  reaction: Reaction | null;
  readAt: number | null;
  deletedAt: number | null;
  editedAt: number | null;
  editCount: number;
  crm: {
    state: CrmState;
    attempts: number;
    lastError: string | null;
    mirroredAt: number | null;
  };
}

/** What the CRM's `message` column gets: the text, or a readable stand-in for attachments. */
export function crmText(message: Pick<NewMessage, 'text' | 'attachments'>): string {
  const parts: string[] = [];
  if (message.text) parts.push(message.text);
  for (const attachment of message.attachments) {
    parts.push(attachment.url ? `[${attachment.type}] ${attachment.url}` : `[${attachment.type}]`);
  }
  return parts.length > 0 ? parts.join('\n') : '[empty message]';
}
