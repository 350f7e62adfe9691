import { inject, injectable } from 'tsyringe';
import type { InstagramEvent } from '../domain/instagram-event.js';
import { TOKENS } from '../tokens.js';
import type { MessageMirror } from './ports/message-mirror.js';
import type { MessageStore, RecordResult } from './ports/message-store.js';
import type { Usernames } from './ports/usernames.js';

/**
 * SPEC §4–5: every event of a delivery is committed locally first; only then do the new
 * messages go to the mirror, which must not make the caller wait. Who wrote is then learnt
 * in the background, on a budget (cached, so usually no call at all), never awaited.
 */
@injectable()
export class ReceiveMessage {
  constructor(
    @inject(TOKENS.MessageStore) private readonly store: MessageStore,
    @inject(TOKENS.MessageMirror) private readonly mirror: MessageMirror,
    @inject(TOKENS.Usernames) private readonly usernames: Usernames,
  ) {}

  async execute(events: InstagramEvent[]): Promise<RecordResult> {
    const result = await this.store.record(events);
    if (result.stored.length > 0) await this.mirror.mirror(result.stored);
    for (const customerId of new Set(result.stored.map((message) => message.customerId))) {
      this.usernames.request(customerId);
    }
    return result;
  }
}
