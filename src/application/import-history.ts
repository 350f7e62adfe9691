import { inject, injectable } from 'tsyringe';
import type { InstagramEvent } from '../domain/instagram-event.js';
import { TOKENS } from '../tokens.js';
import { historyMessage } from './history-message.js';
import type { ContactBook } from './ports/contact-book.js';
import { historyStopped, type ConversationHistory, type RemoteConversation } from './ports/conversation-history.js';
import type { ConversationReader } from './ports/conversation-reader.js';
import type { HistoryCheckpoint, HistoryCheckpoints, HistoryTally, HistoryWalk } from './ports/history-checkpoints.js';
import type { ReceiveMessage } from './receive-message.js';

/** Meta details only this many of a conversation's most recent messages. */
export const DETAILED_MESSAGES = 20;

export interface HistoryOptions {
  walk: HistoryWalk;
  /** The account whose conversations are walked (with its token). */
  account: string;
  /** Conversations updated and messages sent before this time are left alone. */
  since: number | null;
  /** At most this many conversations (the most recently updated). */
  limit?: number | null;
  /** Count only: store nothing, fetch no message details, keep no checkpoint. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** After each conversation: the tally, and how many conversations are known to exist so far. */
  onProgress?: (tally: HistoryTally, listed: number, more: boolean) => void;
}

export interface HistoryReport {
  tally: HistoryTally;
  /** The walk was resumed from a checkpoint an interrupted walk left. */
  resumed: boolean;
}

/**
 * SPEC §11: walks one account's conversations on Meta, newest first, and stores every message igbridge does
 * not have through the webhook's own path (ReceiveMessage: same store, de-duplicated on mid,
 * mirrored once). A checkpoint after each conversation lets an interrupted walk resume;
 * a finished sync moves the high-water mark the next one stops at.
 */
@injectable()
export class ImportHistory {
  constructor(
    @inject(TOKENS.ConversationHistory) private readonly history: ConversationHistory,
    @inject(TOKENS.HistoryCheckpoints) private readonly checkpoints: HistoryCheckpoints,
    @inject(TOKENS.ConversationReader) private readonly reader: ConversationReader,
    @inject(TOKENS.ContactBook) private readonly contacts: ContactBook,
    @inject(TOKENS.ReceiveMessage) private readonly receive: ReceiveMessage,
  ) {}

  async execute(options: HistoryOptions): Promise<HistoryReport> {
    const { account } = options;
    const saved = await this.checkpoints.load(options.walk, account);
    const resume = options.dryRun ? null : (saved?.progress ?? null);
    const since = resume ? resume.since : options.since;
    const limit = resume ? resume.limit : (options.limit ?? null);
    const tally: HistoryTally = resume?.tally ?? { conversations: 0, imported: 0, known: 0, unavailable: 0, newestImported: null };
    const at: HistoryCheckpoint = {
      cursor: resume ? saved!.cursor : null,
      doneInPage: resume ? saved!.doneInPage : 0,
      highWater: saved?.highWater ?? null,
      newestSeen: resume ? saved!.newestSeen : null,
      progress: { since, limit, tally },
    };
    let listed = tally.conversations;
    for (;;) {
      const page = await this.history.conversations(account, at.cursor, options.signal);
      listed += page.items.length - at.doneInPage;
      const todo = page.items.slice(at.doneInPage);
      const wanted = todo.filter((c, i) => (since === null || c.updatedAt >= since) && (limit === null || tally.conversations + i < limit));
      for (const conversation of wanted) {
        stopIfAborted(options.signal);
        await this.conversation(conversation, account, since, tally, options);
        tally.conversations++;
        at.doneInPage++;
        at.newestSeen = Math.max(at.newestSeen ?? 0, conversation.updatedAt);
        if (!options.dryRun) await this.checkpoints.save(options.walk, account, at);
        options.onProgress?.(tally, limit ?? listed, page.after !== null);
      }
      if (wanted.length < todo.length || page.after === null) break;
      at.cursor = page.after;
      at.doneInPage = 0;
      if (!options.dryRun) await this.checkpoints.save(options.walk, account, at);
    }
    if (!options.dryRun) {
      const highWater = options.walk === 'sync' ? Math.max(at.highWater ?? 0, at.newestSeen ?? 0) || null : at.highWater;
      await this.checkpoints.save(options.walk, account, { cursor: null, doneInPage: 0, highWater, newestSeen: null, progress: null });
    }
    return { tally, resumed: resume !== null };
  }

  /** One conversation's messages, newest first, down to `since` or to where Meta stops giving details. */
  private async conversation(conversation: RemoteConversation, account: string, since: number | null, tally: HistoryTally, options: HistoryOptions): Promise<void> {
    let after: string | null = null;
    let position = 0;
    let detailsGone = false;
    do {
      const page = await this.history.messages(account, conversation.id, after, options.signal);
      const events: InstagramEvent[] = [];
      const usernames: Array<{ customerId: string; username: string }> = [];
      const recent = page.items.filter((ref) => since === null || ref.createdAt >= since);
      for (const ref of recent) {
        position++;
        if (detailsGone || (options.dryRun && position > DETAILED_MESSAGES)) {
          tally.unavailable++;
        } else if (await this.reader.message(ref.mid)) {
          tally.known++;
        } else if (options.dryRun) {
          tally.imported++;
        } else {
          stopIfAborted(options.signal);
          const remote = await this.history.message(account, ref.mid, options.signal);
          const found = remote && historyMessage(remote, account);
          if (!found) {
            // Meta details only the most recent messages: every older one would fail too.
            detailsGone = remote === null;
            tally.unavailable++;
            continue;
          }
          events.push({ kind: 'message', message: found.message });
          if (found.customer.username) usernames.push({ customerId: found.customer.id, username: found.customer.username });
        }
      }
      if (events.length > 0) await this.store(events, usernames, tally);
      after = recent.length < page.items.length || detailsGone ? null : page.after;
    } while (after !== null);
  }

  private async store(events: InstagramEvent[], usernames: Array<{ customerId: string; username: string }>, tally: HistoryTally): Promise<void> {
    if (usernames.length > 0) await this.contacts.remember(usernames);
    const result = await this.receive.execute(events);
    tally.imported += result.stored.length;
    tally.known += result.duplicates;
    for (const message of result.stored) tally.newestImported = Math.max(tally.newestImported ?? 0, message.sentAt);
  }
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw historyStopped();
}
