import type { InstagramEvent } from '../../domain/instagram-event.js';
import type { Message } from '../../domain/message.js';

export interface RecordResult {
  /** Messages that were new and are now committed. */
  stored: Message[];
  /** Messages whose `mid` was already stored (redeliveries, echoes of our own sends). */
  duplicates: number;
  /** Changes (unsend, reaction, read, edit) applied to a stored message. */
  applied: number;
  /** Changes kept until their message arrives (Meta does not guarantee order). */
  deferred: number;
  /** Kept changes dropped because their message never came within DEFERRED_CHANGE_TTL_H. */
  expired: number;
}

/** The local store, igbridge's source of truth. */
export interface MessageStore {
  /** Applies every event of one delivery atomically: all are committed, or none. */
  record(events: InstagramEvent[]): Promise<RecordResult>;
}
