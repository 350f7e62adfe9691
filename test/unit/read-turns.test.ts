import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/adapters/http/http-error.js';
import { ReadTurns } from '../../src/adapters/http/read-turns.js';

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
