import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NonBlockingMirror } from '../../src/application/crm-mirror/non-blocking-mirror.js';
import { systemClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logger.js';
import { FakeCrmOutbox, outboxMessage } from '../support/fake-crm-outbox.js';
import { FakeCrmWriter } from '../support/fake-crm-writer.js';
import { LogCapture } from '../support/log-capture.js';

// Fake timers (Date included): back-off and linger are read off the fake clock, never waited for.
beforeEach(() => vi.useFakeTimers({ now: 1_800_000_000_000 }));
afterEach(() => vi.useRealTimers());

function setUp(count = 0) {
  const outbox = new FakeCrmOutbox().add(...Array.from({ length: count }, (_, i) => outboxMessage(i + 1)));
  const writer = new FakeCrmWriter();
  const logs = new LogCapture();
  const mirror = new NonBlockingMirror(writer, outbox, systemClock, createLogger('debug', logs), {
    batchSize: 500, maxAttempts: 3, retryBaseMs: 500, retryMaxMs: 4_000, lingerMs: 25, idlePollMs: 5_000,
  });
  /** A message committed pending (as the store does), then handed to the mirror. */
  const receive = async (id: number) => {
    outbox.add(outboxMessage(id));
    await mirror.mirror([outboxMessage(id)]);
  };
  return { outbox, writer, logs, mirror, receive };
}

/** Lets fake time pass in small steps until `condition` holds (bounded). */
async function until(condition: () => boolean, stepMs = 1, maxMs = 60_000): Promise<void> {
  for (let waited = 0; ; waited += stepMs) {
    await vi.advanceTimersByTimeAsync(0); // what is due now (promises included) runs first
    if (condition()) return;
    if (waited > maxMs) throw new Error('condition not met');
    await vi.advanceTimersByTimeAsync(stepMs);
  }
}

describe('NonBlockingMirror: the CRM writer, in the background', () => {
  it('when a message is handed over, then mirror() returns before the CRM is written, and the writer gets it after the linger', async () => {
    const { writer, mirror, receive } = setUp();
    mirror.start();
    await until(() => mirror.health === 'ok');

    await receive(1);
    expect(writer.statements).toEqual([]);
    await vi.advanceTimersByTimeAsync(24);
    expect(writer.statements).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(writer.statements).toEqual([{ ids: [1], ifAbsent: false }]);
    await mirror.close(1_000);
  });

  it('when messages arrive within the linger, then they share one CRM write', async () => {
    const { writer, mirror, receive } = setUp();
    mirror.start();
    await until(() => mirror.health === 'ok');

    await receive(1);
    await vi.advanceTimersByTimeAsync(10);
    await receive(2);
    await receive(3);
    await until(() => writer.statements.length > 0);

    expect(writer.statements).toEqual([{ ids: [1, 2, 3], ifAbsent: false }]);
    await mirror.close(1_000);
  });

  it('when the CRM is unavailable, then retries back off exponentially up to the cap, new messages do not hammer it, and the backlog drains when it answers', async () => {
    const { outbox, writer, logs, mirror, receive } = setUp(2);
    writer.trouble.push(...Array.from({ length: 5 }, () => ({ kind: 'unavailable' as const })));
    mirror.start();
    const times: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      await until(() => writer.statements.length >= attempt);
      times.push(Date.now());
      if (attempt === 2) await receive(3); // during the back-off: no extra write
    }

    expect(times.slice(1).map((at, i) => at - times[i])).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(mirror.health).toBe('ok');
    expect((await outbox.counts()).pending).toBe(0);
    expect(logs.matching('CRM unavailable').map((line) => line.retryInMs)).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    await until(() => writer.caughtUpCalls > 0); // after the tail's linger
    expect(writer.caughtUpCalls).toBe(1); // the writer reports the outage's end
    await mirror.close(1_000);
  });

  it('when the CRM table cannot be validated, then nothing is written and /readyz says down until it can', async () => {
    const { writer, logs, mirror, outbox } = setUp(1);
    writer.validateFails = 'unavailable';
    mirror.start();
    await until(() => logs.matching('CRM not usable').length === 2);
    expect(logs.matching('CRM not usable').map((line) => line.todo)).toEqual(['TODO: the fake CRM keeps only the mid', 'TODO: the fake CRM keeps only the mid']);
    expect(mirror.health).toBe('down');
    expect(writer.statements).toEqual([]);

    writer.validateFails = null;
    await until(() => outbox.row(1).state === 'mirrored');
    expect(mirror.health).toBe('ok');
    await mirror.close(1_000);
  });

  it('when the service stops mid-write, then the write is abandoned after the grace, its rows stay in doubt, and the next start checks them instead of inserting twice', async () => {
    const { outbox, writer, logs, mirror } = setUp(2);
    writer.trouble.push({ kind: 'in_doubt', hang: true, committed: true });
    mirror.start();
    await until(() => writer.statements.length === 1);

    const closed = mirror.close(2_000);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(writer.aborted).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await closed;

    expect(writer.aborted).toBe(1);
    expect(logs.matching('still in flight at shutdown')).toHaveLength(1);
    expect(outbox.row(1)).toMatchObject({ state: 'pending', inDoubt: true });

    const restarted = new NonBlockingMirror(writer, outbox, systemClock, createLogger('info', new LogCapture()), {
      batchSize: 500, maxAttempts: 3, retryBaseMs: 500, retryMaxMs: 4_000,
    });
    restarted.start();
    await until(() => outbox.countNow({ states: ['pending'] }) === 0);
    expect(writer.statements.slice(1)).toEqual([{ ids: [1], ifAbsent: true }, { ids: [2], ifAbsent: true }]);
    expect(writer.duplicates()).toEqual([]);
    await restarted.close(1_000);
  });

  it('when a message is handed over while the outbox is still answering when the next row is due, then the wake is not lost: it is written after the linger', async () => {
    const { outbox, writer, mirror, receive } = setUp();
    const nextDueAt = outbox.nextDueAt.bind(outbox);
    let answer: (() => void) | undefined;
    outbox.nextDueAt = () => new Promise((resolve) => (answer = () => void nextDueAt().then(resolve)));
    mirror.start();
    await until(() => answer !== undefined);

    await receive(1);
    answer!();
    await vi.advanceTimersByTimeAsync(25);

    expect(writer.statements).toEqual([{ ids: [1], ifAbsent: false }]);
    await mirror.close(1_000);
  });

  it('when close comes while the outbox is still answering when the next row is due (a shared store), then the loop stops without its idle sleep', async () => {
    const { outbox, writer, logs, mirror } = setUp();
    let answer: ((at: number | null) => void) | undefined;
    outbox.nextDueAt = () => new Promise((resolve) => (answer = resolve));
    mirror.start();
    await until(() => answer !== undefined);

    let closed = false;
    const closing = mirror.close(1_000).then(() => (closed = true));
    answer!(null);
    await vi.advanceTimersByTimeAsync(0);

    expect(closed).toBe(true);
    await closing;
    expect(writer.aborted).toBe(0);
    expect(logs.matching('still in flight at shutdown')).toEqual([]);
  });

  it('when stopped while idle, then close returns at once without aborting anything', async () => {
    const { writer, mirror } = setUp();
    mirror.start();
    await until(() => mirror.health === 'ok');
    await mirror.close(1_000);
    expect(writer.aborted).toBe(0);
  });
});
