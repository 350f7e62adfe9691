import { inject, injectable } from 'tsyringe';
import type { InstagramEvent } from '../domain/instagram-event.js';
import { TOKENS } from '../tokens.js';
import type { MessageMirror } from './ports/message-mirror.js';
import type { MessageStore, RecordResult } from './ports/message-store.js';
import type { Usernames } from './ports/usernames.js';
import type { UnknownAccounts } from './unknown-accounts.js';

/**
 * SPEC §4–5: every event of a delivery is committed locally first; only then do the new
 * messages go to the mirror, which must not make the caller wait (told also, with no new
 * message, when a change was applied: an edit or unsend may reach the CRM, SPEC §10). Who
 * wrote is then learnt in the background, on a budget (cached, so usually no call at all),
 * never awaited. Messages for an account igbridge has no token for are stored all the same
 * (SPEC §12) and the account is named in the log once.
 */
@injectable()
export class ReceiveMessage {
  constructor(
    @inject(TOKENS.MessageStore) private readonly store: MessageStore,
    @inject(TOKENS.MessageMirror) private readonly mirror: MessageMirror,
    @inject(TOKENS.Usernames) private readonly usernames: Usernames,
    @inject(TOKENS.UnknownAccounts) private readonly unknownAccounts?: UnknownAccounts,
  ) {}

  async execute(events: InstagramEvent[]): Promise<RecordResult> {
    const result = await this.store.record(events);
    if (result.stored.length > 0 || result.applied > 0) await this.mirror.mirror(result.stored);
    if (result.stored.length > 0) this.unknownAccounts?.check(result.stored);
    for (const customerId of new Set(result.stored.map((message) => message.customerId))) {
      this.usernames.request(customerId);
    }
    return result;
  }
}
