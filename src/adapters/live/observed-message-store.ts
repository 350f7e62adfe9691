import type { Metrics } from '../../application/ports/metrics.js';
import type { MessageStore, RecordResult } from '../../application/ports/message-store.js';
import type { InstagramEvent } from '../../domain/instagram-event.js';
import type { ChangeFeed } from '../../application/ports/change-feed.js';

/**
 * Decorates the primary store: what was committed is counted (messages stored by direction)
 * and announced to the open inboxes. Runs after the commit, so it can never undo one.
 */
export class ObservedMessageStore implements MessageStore {
  constructor(
    private readonly inner: MessageStore,
    private readonly metrics: Metrics,
    private readonly feed: ChangeFeed,
  ) {}

  async record(events: InstagramEvent[]): Promise<RecordResult> {
    const result = await this.inner.record(events);
    try {
      this.observe(result);
    } catch {
      // Counting and notifying are best effort: the commit already happened.
    }
    return result;
  }

  private observe(result: RecordResult): void {
    const inbound = result.stored.filter((message) => message.direction === 'in').length;
    this.metrics.messagesStored('in', inbound);
    this.metrics.messagesStored('out', result.stored.length - inbound);
    this.metrics.deferredChanges('deferred', result.deferred);
    this.metrics.deferredChanges('expired', result.expired);
    if (result.stored.length > 0 || result.applied > 0) {
      this.feed.publish({
        user_ids: [...new Set(result.stored.map((message) => message.customerId))],
        stored: result.stored.length,
        applied: result.applied,
      });
    }
  }
}
