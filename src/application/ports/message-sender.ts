import type { OutgoingMessage } from '../../domain/outgoing-message.js';

/** What Meta answered to an accepted send. */
export interface SentMessage {
  /** Meta's `message_id`: the `mid` of the echo webhook that follows. */
  mid: string;
  /** The request as sent and Meta's answer (no token), kept as the message's raw record. */
  raw: string;
}

/**
 * Delivers a message to Instagram from one of igbridge's accounts (with that account's token).
 * Throws a DomainError when Meta refuses it, does not answer in time, or cannot be reached, or
 * when igbridge has no token for the account; never retries on its own (a send is not idempotent).
 */
export interface MessageSender {
  send(message: OutgoingMessage, accountId: string): Promise<SentMessage>;
}
