import type { MessageMirror } from '../../application/ports/message-mirror.js';

/** The mirror when the CRM is off: messages stay `not_mirrored` for `npm run crm:backfill`. */
export class NoOpMessageMirror implements MessageMirror {
  async mirror(): Promise<void> {}
}
