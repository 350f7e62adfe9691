import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessChangeFeed } from '../../src/adapters/live/in-process-change-feed.js';
import { PgChangeFeed } from '../../src/adapters/postgres/pg-change-feed.js';
import { PgClusterLock } from '../../src/adapters/postgres/pg-cluster-lock.js';
import type { Change } from '../../src/application/ports/change-feed.js';
import pino from 'pino';
import { LogCapture } from '../support/log-capture.js';
import { createPgDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshDatabase(): Promise<string> {
  const database = await createPgDatabase();
  cleanups.push(() => database.drop());
  return database.url;
}

function pool(url: string): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max: 3 });
  // These tests end connections on purpose (pg_terminate_backend, DROP DATABASE … WITH (FORCE)): an
  // idle client's error would otherwise be the pool's 'error' with no listener, an uncaught
  // exception (the service's own pool has a listener: adapters/postgres/database.ts).
  p.on('error', () => {});
  cleanups.push(() => p.end());
  return p;
}

describe('live updates across instances (LISTEN/NOTIFY)', () => {
  async function feeds() {
    const url = await freshDatabase();
    const capture = new LogCapture();
    const logger = pino(capture);
    const lines = () => capture.lines;
    const make = (id: string) => {
      const feed = new PgChangeFeed(new InProcessChangeFeed(), pool(url), url, id, logger);
      cleanups.push(async () => feed.close());
      return feed;
    };
    const a = make('instance-a');
    const b = make('instance-b');
    await Promise.all([a.start(), b.start()]);
    return { a, b, lines, url };
  }

  function listen(feed: PgChangeFeed): Change[] {
    const heard: Change[] = [];
    feed.subscribe((change) => heard.push(change), () => {});
    return heard;
  }

  it('when instance A stores a message, then an inbox on instance B hears of it, and A\'s own inbox hears it once', async () => {
    const { a, b } = await feeds();
    const onA = listen(a);
    const onB = listen(b);
    a.publish({ user_ids: ['cust-1'], stored: 1, applied: 0 });
    await waitFor(() => onB.length > 0, 'the change on B');
    expect(onB).toEqual([{ user_ids: ['cust-1'], stored: 1, applied: 0 }]);
    await waitFor(() => onA.length > 0, 'the change on A');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(onA).toEqual([{ user_ids: ['cust-1'], stored: 1, applied: 0 }]);
  });

  it('when a burst of changes is published, then the other instance gets them merged, with at most 200 customer ids per notification', async () => {
    const { a, b } = await feeds();
    const onB = listen(b);
    for (let i = 0; i < 1_000; i++) a.publish({ user_ids: [`cust-${i}`], stored: 1, applied: 0 });
    await waitFor(() => onB.reduce((n, c) => n + c.stored, 0) === 1_000, 'all 1,000 stored counted on B');
    expect(onB.length).toBeLessThan(10);
    expect(Math.max(...onB.map((c) => c.user_ids.length))).toBeLessThanOrEqual(200);
  });

  it('when the listening connection is killed, then the instance reconnects and hears later changes', async () => {
    const { a, b, lines, url } = await feeds();
    const onB = listen(b);
    const admin = pool(url);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`);
    await waitFor(() => lines().some((l) => /lost the connection that listens/.test(l.msg)), 'the lost-connection warning');
    await waitFor(async () => {
      a.publish({ user_ids: ['after'], stored: 1, applied: 0 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      return onB.some((c) => c.user_ids.includes('after'));
    }, 'a change heard after reconnecting', 20_000, 100);
  });
});

describe('one history pass at a time (advisory lock)', () => {
  it('when two instances try the same lock, then only one runs, and the other may once it is released', async () => {
    const url = await freshDatabase();
    const one = new PgClusterLock(pool(url));
    const two = new PgClusterLock(pool(url));
    let release!: () => void;
    const holding = one.runExclusive('history-sync', () => new Promise<string>((resolve) => (release = () => resolve('first'))));
    await waitFor(() => release !== undefined, 'the first holder');
    expect(await two.runExclusive('history-sync', async () => 'second')).toEqual({ ran: false });
    expect(await two.runExclusive('another-name', async () => 'other')).toEqual({ ran: true, value: 'other' });
    release();
    expect(await holding).toEqual({ ran: true, value: 'first' });
    expect(await two.runExclusive('history-sync', async () => 'second')).toEqual({ ran: true, value: 'second' });
  });

  it('when the holder\'s work fails, then the lock is released and the error reaches the caller', async () => {
    const url = await freshDatabase();
    const lock = new PgClusterLock(pool(url));
    await expect(lock.runExclusive('history-sync', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await new PgClusterLock(pool(url)).runExclusive('history-sync', async () => 1)).toEqual({ ran: true, value: 1 });
  });
});
