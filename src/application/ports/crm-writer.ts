import type { Message } from '../../domain/message.js';
import type { MessageMirror } from './message-mirror.js';

/**
 * The CRM's table, written synchronously: `mirror()` writes the messages (one multi-row
 * INSERT) and throws a `CrmWriteError` (beside this port) saying whether anything may have
 * reached the CRM. It never decides about retries: `MirrorPendingMessages` does.
 */
export interface CrmWriter extends MessageMirror {
  /** Checks the connection and that the table fits the mapping (SPEC §10); throws otherwise. */
  validate(): Promise<void>;
  /** SPEC §5: the TODO naming what this CRM table cannot hold (computed from the mapping). */
  readonly todo: string;
  /** Writes one message unless the CRM already has its natural key; true when inserted. */
  mirrorIfAbsent(message: Message): Promise<boolean>;
  /** Gives up on the write in flight, if any (shutdown): its outcome becomes unknown. */
  abort(): void;
  /** Nothing is left to write (the writer reports an outage that ended, once). */
  caughtUp(): void;
  /** How long the oldest statement under way has been running; null when none is. */
  writingForMs(): number | null;
}
