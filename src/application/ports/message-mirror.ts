import type { Message } from '../../domain/message.js';

/** A one-way copy of stored messages somewhere else (the CRM). */
export interface MessageMirror {
  /** Hands over messages that are already committed locally. */
  mirror(messages: Message[]): Promise<void>;
}
