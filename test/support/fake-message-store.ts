import type { MessageStore, RecordResult } from '../../src/application/ports/message-store.js';
import type { InstagramEvent, MessageChange } from '../../src/domain/instagram-event.js';
import { applyChange, reactionOf, supersedes, type ChangeableFields } from '../../src/domain/message-change.js';
import type { Message, NewMessage } from '../../src/domain/message.js';
import { advanceWatermark, readAtOf, type ReadWatermark } from '../../src/domain/read-watermark.js';

type Stored = NewMessage & ChangeableFields & { id: number; receivedAt: number };

/**
 * A hand-written MessageStore in memory, held to the same contract as the SQLite one: the
 * same domain rules for changes, a read watermark per customer, one waiting change per
 * (mid, kind) dropped after `ttlMs`.
 */
export class FakeMessageStore implements MessageStore {
  private readonly rows = new Map<string, Stored>();
  private readonly watermarks = new Map<string, ReadWatermark>();
  private waiting: Array<{ change: MessageChange; at: number }> = [];
  private nextId = 1;

  constructor(private readonly clock = { now: () => Date.now() }, private readonly ttlMs = 48 * 3_600_000) {}

  /** A stored message as the store would read it back (null: not stored). */
  find(mid: string): Message | null {
    const row = this.rows.get(mid);
    return row ? this.toMessage(row) : null;
  }

  async record(events: InstagramEvent[]): Promise<RecordResult> {
    const now = this.clock.now();
    const kept = this.waiting.length;
    this.waiting = this.waiting.filter((w) => now - w.at <= this.ttlMs);
    const result: RecordResult = { stored: [], duplicates: 0, applied: 0, deferred: 0, expired: kept - this.waiting.length };
    for (const event of events) {
      if (event.kind !== 'message') {
        if (this.apply(event)) result.applied++;
        else (this.defer(event, now), result.deferred++);
        continue;
      }
      if (this.rows.has(event.message.mid)) {
        result.duplicates++;
        continue;
      }
      const row: Stored = {
        ...event.message,
        origin: event.message.origin ?? 'webhook',
        id: this.nextId++,
        receivedAt: now,
        originalText: null,
        deletedAt: null,
        reaction: null,
        reactionEmoji: null,
        reactedAt: null,
        editCount: 0,
        editedAt: null,
      };
      this.rows.set(row.mid, row);
      for (const { change } of this.waiting.filter((w) => w.change.mid === row.mid)) this.apply(change);
      this.waiting = this.waiting.filter((w) => w.change.mid !== row.mid);
      result.stored.push(this.find(row.mid)!);
    }
    return result;
  }

  private defer(change: MessageChange, now: number): void {
    const i = this.waiting.findIndex((w) => w.change.mid === change.mid && w.change.kind === change.kind);
    if (i < 0) this.waiting.push({ change, at: now });
    else if (supersedes(change, this.waiting[i]!.change)) this.waiting[i] = { change, at: now };
  }

  private apply(change: MessageChange): boolean {
    const row = this.rows.get(change.mid);
    if (!row) return false;
    if (change.kind === 'read') {
      const next = advanceWatermark(this.watermarks.get(row.customerId) ?? null, row.sentAt, change.at);
      if (next) this.watermarks.set(row.customerId, next);
    } else {
      Object.assign(row, applyChange(row, change));
    }
    return true;
  }

  private toMessage(row: Stored): Message {
    const { originalText: _o, reactionEmoji: _e, reactedAt: _r, ...message } = row;
    return {
      ...message,
      origin: row.origin ?? 'webhook',
      reaction: reactionOf(row),
      readAt: readAtOf(row, this.watermarks.get(row.customerId) ?? null),
      crm: { state: 'pending', attempts: 0, lastError: null, mirroredAt: null },
    };
  }
}
