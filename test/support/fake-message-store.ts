import type { MessageStore, RecordResult } from '../../src/application/ports/message-store.js';
import type { InstagramEvent, MessageChange } from '../../src/domain/instagram-event.js';
import type { Message } from '../../src/domain/message.js';

/** A hand-written MessageStore in memory, held to the same contract as the SQLite one. */
export class FakeMessageStore implements MessageStore {
  readonly messages = new Map<string, Message>();
  private readonly waiting: MessageChange[] = [];
  private nextId = 1;

  async record(events: InstagramEvent[]): Promise<RecordResult> {
    const result: RecordResult = { stored: [], duplicates: 0, applied: 0, deferred: 0 };
    for (const event of events) {
      if (event.kind !== 'message') {
        if (this.apply(event)) result.applied++;
        else (this.waiting.push(event), result.deferred++);
        continue;
      }
      if (this.messages.has(event.message.mid)) {
        result.duplicates++;
        continue;
      }
      const message: Message = {
        ...event.message,
        origin: event.message.origin ?? 'webhook',
        id: this.nextId++,
        receivedAt: Date.now(),
        reaction: null,
        readAt: null,
        deletedAt: null,
        editedAt: null,
        editCount: 0,
        crm: { state: 'pending', attempts: 0, lastError: null, mirroredAt: null },
      };
      this.messages.set(message.mid, message);
      for (const change of this.waiting.filter((c) => c.mid === message.mid)) this.apply(change);
      result.stored.push({ ...message });
    }
    return result;
  }

  private apply(change: MessageChange): boolean {
    const message = this.messages.get(change.mid);
    if (!message) return false;
    if (change.kind === 'unsend') message.deletedAt ??= change.at;
    if (change.kind === 'reaction') message.reaction = change.action === 'react' ? { reaction: change.reaction, emoji: change.emoji, at: change.at } : null;
    if (change.kind === 'read') message.readAt ??= change.at;
    if (change.kind === 'edit' && change.editCount > message.editCount) Object.assign(message, { text: change.text, editCount: change.editCount, editedAt: change.at });
    return true;
  }
}
