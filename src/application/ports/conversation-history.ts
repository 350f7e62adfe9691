import { DomainError } from '../../domain/errors.js';
import type { Attachment } from '../../domain/message.js';

/** A conversation as Meta lists it: newest `updated_time` first. */
export interface RemoteConversation {
  id: string;
  updatedAt: number;
}

/** A message id in a conversation's list (newest first), with its time. */
export interface RemoteMessageRef {
  mid: string;
  createdAt: number;
}

export interface RemotePage<T> {
  items: T[];
  /** Meta's `paging.cursors.after` when there is a next page; null on the last one. */
  after: string | null;
}

/** One side of a message: an IGSID (a customer) or the account's IG_ID. */
export interface RemoteParty {
  id: string;
  username: string | null;
}

/** A message's details, as the Conversations API gives them. */
export interface RemoteMessage {
  mid: string;
  createdAt: number;
  from: RemoteParty;
  to: RemoteParty[];
  text: string | null;
  attachments: Attachment[];
  /** Meta's answer, kept as the message's raw record. */
  raw: string;
}

/**
 * Meta's Conversations API (SPEC §11), read within its call budget, for one account at a time
 * (with its token, SPEC §12). Throws a DomainError `history_token_invalid` (code 190, or no
 * token: stop), `history_rate_limited` (still limited after backing off) or
 * `history_unreachable` / `history_error`; `signal` aborts a call or a wait.
 */
export interface ConversationHistory {
  conversations(account: string, after: string | null, signal?: AbortSignal): Promise<RemotePage<RemoteConversation>>;
  messages(account: string, conversationId: string, after: string | null, signal?: AbortSignal): Promise<RemotePage<RemoteMessageRef>>;
  /** Null when Meta no longer details it (only a conversation's 20 most recent messages are). */
  message(account: string, mid: string, signal?: AbortSignal): Promise<RemoteMessage | null>;
}

/** A walk stopped on purpose (shutdown, Ctrl-C): it resumes from its checkpoint. */
export function historyStopped(): DomainError {
  return new DomainError('history_stopped', 'the history walk was stopped (shutdown); it resumes from its checkpoint');
}
