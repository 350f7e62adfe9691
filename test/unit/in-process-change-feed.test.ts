import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Change } from '../../src/application/ports/change-feed.js';
import { InProcessChangeFeed as ChangeFeed, COALESCE_MS, MAX_USER_IDS } from '../../src/adapters/live/in-process-change-feed.js';
import { waitFor } from '../support/wait.js';

describe('ChangeFeed', () => {
  let feed: ChangeFeed;
  beforeEach(() => {
    feed = new ChangeFeed();
  });
  afterEach(() => feed.close());

  it('when changes are published in a burst, then no listener runs during publish and they arrive merged, once', async () => {
    const received: Change[] = [];
    feed.subscribe((change) => received.push(change), () => {});

    const started = Date.now();
    feed.publish({ user_ids: ['1'], stored: 1, applied: 0 });
    feed.publish({ user_ids: ['2', '1'], stored: 2, applied: 0 });
    feed.publish({ user_ids: [], stored: 0, applied: 3 });
    expect(received).toEqual([]);

    await waitFor(() => received.length === 1, 'the merged change');
    expect(Date.now() - started).toBeGreaterThanOrEqual(COALESCE_MS - 5);
    expect(received).toEqual([{ user_ids: ['1', '2'], stored: 3, applied: 3 }]);
  });

  it('when a burst names more customers than one change carries, then it carries MAX_USER_IDS of them and the full counts', async () => {
    const received: Change[] = [];
    feed.subscribe((change) => received.push(change), () => {});
    const ids = Array.from({ length: MAX_USER_IDS + 100 }, (_, i) => String(i + 1));
    feed.publish({ user_ids: ids, stored: ids.length, applied: 0 });

    await waitFor(() => received.length === 1, 'the change');
    expect(received[0]!.user_ids).toHaveLength(MAX_USER_IDS);
    expect(received[0]!.stored).toBe(MAX_USER_IDS + 100);
  });
});

describe('ChangeFeed without listeners', () => {
  it('when nobody listens, then publishing keeps nothing and schedules nothing', async () => {
    const feed = new ChangeFeed();
    feed.publish({ user_ids: ['1'], stored: 1, applied: 0 });
    const received: Change[] = [];
    feed.subscribe((change) => received.push(change), () => {});
    await new Promise((resolve) => setTimeout(resolve, COALESCE_MS * 3));
    expect(received).toEqual([]);
    feed.close();
  });
});
