import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/adapters/http/http-error.js';
import { ReadTurns, SHORT_ROWS_PER_TURN, SHORT_TURNS_IN_A_ROW, type ReadSize } from '../../src/adapters/http/read-turns.js';

const gauge = () => {
  const values: number[] = [];
  return { values, metrics: { limitInUse: (_resource: string, value: number) => values.push(value) } };
};

describe('ReadTurns', () => {
  it('when several reads and a webhook wait together, then the webhook runs after the first read, not after all of them', async () => {
    const order: string[] = [];
    const turns = new ReadTurns(gauge().metrics);
    const read = (name: string) => turns.run(async () => (order.push(name), name));

    const reads = [read('read 1'), read('read 2'), read('read 3')];
    const webhook = new Promise<void>((resolve) => setImmediate(() => (order.push('webhook'), resolve())));
    await Promise.all([...reads, webhook]);

    expect(order).toEqual(['read 1', 'webhook', 'read 2', 'read 3']);
    expect(await reads[1]).toBe('read 2');
  });

  it('when more reads wait than the bound, then the one beyond is refused 503 store_busy at once, and the gauge rises to the bound and falls to 0', async () => {
    const { values, metrics } = gauge();
    const turns = new ReadTurns(metrics, 2);

    const answers = await Promise.allSettled([1, 2, 3].map((n) => turns.run(async () => n)));

    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refusal = (answers[2] as PromiseRejectedResult).reason as HttpError;
    expect(refusal).toBeInstanceOf(HttpError);
    expect([refusal.status, refusal.code, refusal.headers]).toEqual([503, 'store_busy', { 'Retry-After': '1' }]);
    expect(Math.max(...values)).toBe(2);
    expect(values.at(-1)).toBe(0);
  });

  it('when a read fails, then only its caller sees the error and the next read still runs', async () => {
    const turns = new ReadTurns(gauge().metrics);

    const failed = turns.run(async () => {
      throw new Error('disk I/O error');
    });
    const next = turns.run(async () => 'ok');

    await expect(failed).rejects.toThrow('disk I/O error');
    await expect(next).resolves.toBe('ok');
  });
});

describe('ReadTurns, a read that throws at once', () => {
  it('when a thread page throws before it returns its promise, then only its caller sees the error and the other pages of its turn still run', async () => {
    const turns = new ReadTurns(gauge().metrics);
    const size = { length: 'short', rows: 50 } as const;

    const failed = turns.run((() => {
      throw new Error('SQLITE_CORRUPT');
    }) as () => Promise<string>, { size });
    const next = turns.run(async () => 'ok', { size });

    await expect(failed).rejects.toThrow('SQLITE_CORRUPT');
    await expect(next).resolves.toBe('ok');
  });
});

describe('ReadTurns, thread pages (short) and list pages (long)', () => {
  /** Reads that note their name and the event-loop turn they ran in (a counter that ticks in each turn, just before the reads' turn). */
  function recorder() {
    const turns = new ReadTurns(gauge().metrics);
    const order: string[] = [];
    let turn = 0;
    let pending = 0;
    const tick = () => setImmediate(() => {
      turn++;
      if (pending > 0) tick();
    });
    tick();
    const read = (name: string, size: ReadSize) => {
      pending++;
      return turns.run(async () => void order.push(`${name} @${turn}`), { size }).finally(() => pending--);
    };
    return { read, order };
  }
  const list = { length: 'long', rows: 200 } as const;
  const thread = (rows = 50) => ({ length: 'short', rows }) as const;

  it('when list pages wait and thread pages come, then the thread pages are served first, together in one turn, then the lists one per turn', async () => {
    const { read, order } = recorder();

    await Promise.all([read('list 1', list), read('list 2', list), read('thread 1', thread()), read('thread 2', thread())]);

    expect(order).toEqual(['thread 1 @1', 'thread 2 @1', 'list 1 @2', 'list 2 @3']);
  });

  it(`when thread pages wait, then one turn serves those that ask ${SHORT_ROWS_PER_TURN} rows together (at least one), oldest first`, async () => {
    const { read, order } = recorder();

    const pages = [thread(50), thread(50), thread(50), thread(50), thread(50), thread(200), thread(120), thread(80)];
    await Promise.all(pages.map((size, i) => read(`thread ${i + 1}`, size)));

    expect(order).toEqual(['thread 1 @1', 'thread 2 @1', 'thread 3 @1', 'thread 4 @1', 'thread 5 @2', 'thread 6 @3', 'thread 7 @4', 'thread 8 @4']);
  });

  it(`when thread pages keep coming, then a waiting list page has its turn after ${SHORT_TURNS_IN_A_ROW} turns of them`, async () => {
    const { read, order } = recorder();

    const threads = Array.from({ length: 12 }, (_, i) => read(`thread ${i + 1}`, thread(50)));
    await Promise.all([read('list', list), ...threads]);

    expect(SHORT_TURNS_IN_A_ROW).toBe(2);
    expect(order).toEqual([
      'thread 1 @1', 'thread 2 @1', 'thread 3 @1', 'thread 4 @1',
      'thread 5 @2', 'thread 6 @2', 'thread 7 @2', 'thread 8 @2',
      'list @3',
      'thread 9 @4', 'thread 10 @4', 'thread 11 @4', 'thread 12 @4',
    ]);
  });
});

describe('ReadTurns, the same question asked again while it waits', () => {
  it('when several clients ask the same question before it runs, then it runs once and each gets the answer; other questions run on their own', async () => {
    const turns = new ReadTurns(gauge().metrics);
    let lists = 0;
    let threads = 0;
    const list = () => turns.run(async () => ({ page: ++lists }), { key: 'list' });
    const thread = () => turns.run(async () => ({ page: ++threads }), { key: 'thread 1' });

    const answers = await Promise.all([list(), list(), thread(), list()]);

    expect(answers).toEqual([{ page: 1 }, { page: 1 }, { page: 1 }, { page: 1 }]);
    expect([lists, threads]).toEqual([1, 1]);
  });

  it('when the same question is asked after its read started, then it is read again (never an answer older than the question)', async () => {
    const turns = new ReadTurns(gauge().metrics);
    let reads = 0;
    const list = () => turns.run(async () => ++reads, { key: 'list' });

    const first = list();
    await new Promise((resolve) => setImmediate(resolve));
    const second = list();

    expect([await first, await second]).toEqual([1, 2]);
  });
});
