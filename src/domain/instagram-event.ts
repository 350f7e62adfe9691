import type { NewMessage } from './message.js';

/**
 * What one webhook `messaging[]` item means to igbridge. New messages create a row; the
 * other kinds change a message already stored (or one that arrives later: order is not
 * guaranteed, so a change for an unknown `mid` is kept until its message comes).
 */
export type InstagramEvent =
  | { kind: 'message'; message: NewMessage }
  | MessageChange;

export type MessageChange =
  | { kind: 'unsend'; mid: string; at: number }
  | { kind: 'reaction'; mid: string; action: 'react' | 'unreact'; reaction: string | null; emoji: string | null; at: number }
  | { kind: 'read'; mid: string; at: number }
  | { kind: 'edit'; mid: string; text: string; editCount: number; at: number };

export type MessageChangeKind = MessageChange['kind'];
