import type { MessageMirror } from '../../application/ports/message-mirror.js';
import type { Message } from '../../domain/message.js';

/**
 * The synchronous side of the CRM mirror, as the drainer uses it: `mirror()` writes the
 * messages (one multi-row INSERT) and throws a `CrmWriteError` saying whether anything may
 * have reached the CRM.
 */
export interface CrmMirror extends MessageMirror {
  /** Checks the connection and that the table fits the mapping (SPEC §10); throws otherwise. */
  validate(): Promise<void>;
  /** SPEC §5: the TODO naming what this CRM table cannot hold (computed from the mapping). */
  readonly todo: string;
  /** Writes one message unless the CRM already has its natural key; true when inserted. */
  mirrorIfAbsent(message: Message): Promise<boolean>;
  /** Gives up on the write in flight, if any (shutdown): its outcome becomes unknown. */
  abort(): void;
}
