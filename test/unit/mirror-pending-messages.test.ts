import { describe, expect, it } from 'vitest';
import { MirrorPendingMessages, type MirrorOptions } from '../../src/application/crm-mirror/mirror-pending-messages.js';
import { FakeCrmOutbox, outboxMessage } from '../support/fake-crm-outbox.js';
import { FakeCrmWriter } from '../support/fake-crm-writer.js';
import { LogCapture } from '../support/log-capture.js';
import { createLogger } from '../../src/logger.js';

const NOW = 1_800_000_000_000;
const clock = { now: () => NOW };

function setUp(count: number, options: Partial<MirrorOptions> = {}) {
  const outbox = new FakeCrmOutbox().add(...Array.from({ length: count }, (_, i) => outboxMessage(i + 1)));
  const writer = new FakeCrmWriter();
  const logs = new LogCapture();
  const mirrorPending = new MirrorPendingMessages(writer, outbox, clock, createLogger('info', logs), {
    batchSize: 500, maxAttempts: 3, retryBaseMs: 500, retryMaxMs: 60_000, ...options,
  });
  return { outbox, writer, logs, mirrorPending };
}

describe('MirrorPendingMessages: every message into the CRM exactly once', () => {
  it('when messages are due, then one write carries them all and each is marked mirrored', async () => {
    const { outbox, writer, mirrorPending } = setUp(3);

    expect((await mirrorPending.execute()).outcome).toBe('progress');
    expect((await mirrorPending.execute()).outcome).toBe('idle');

    expect(writer.statements).toEqual([{ ids: [1, 2, 3], ifAbsent: false }]);
    expect([1, 2, 3].map((id) => outbox.row(id))).toEqual([1, 2, 3].map(() => expect.objectContaining({ state: 'mirrored', inDoubt: false })));
    expect(mirrorPending.tally).toEqual({ mirrored: 3, alreadyThere: 0, failed: 0 });
  });

  it('when two rounds are asked for at once, then the second starts after the first: one write, nothing read twice', async () => {
    const { outbox, writer, mirrorPending } = setUp(3);

    const outcomes = await Promise.all([mirrorPending.execute(), mirrorPending.execute()]);

    expect(outcomes.map((round) => round.outcome)).toEqual(['progress', 'idle']);
    expect(writer.statements).toEqual([{ ids: [1, 2, 3], ifAbsent: false }]);
    expect(writer.duplicates()).toEqual([]);
    expect(outbox.row(3)).toMatchObject({ state: 'mirrored', inDoubt: false });
  });

  it('when a write is sent but its answer is lost, then the rows stay pending in doubt and their retry does not insert them twice', async () => {
    const { outbox, writer, logs, mirrorPending } = setUp(2);
    writer.trouble.push({ kind: 'in_doubt', committed: true });

    expect((await mirrorPending.execute()).outcome).toBe('transient');
    expect(outbox.row(1)).toMatchObject({ state: 'pending', inDoubt: true, lastError: 'in_doubt (scripted)' });

    expect((await mirrorPending.execute()).outcome).toBe('progress');
    expect(writer.statements.slice(1)).toEqual([{ ids: [1], ifAbsent: true }, { ids: [2], ifAbsent: true }]);
    expect(writer.duplicates()).toEqual([]);
    expect(outbox.row(2)).toMatchObject({ state: 'mirrored', inDoubt: false });
    expect(mirrorPending.tally).toEqual({ mirrored: 0, alreadyThere: 2, failed: 0 });
    expect(logs.matching('already there: not inserted again')).toHaveLength(2);
  });

  it('when a write in doubt never reached the CRM, then its retry inserts the rows once', async () => {
    const { writer, mirrorPending } = setUp(2);
    writer.trouble.push({ kind: 'in_doubt', committed: false });

    await mirrorPending.execute();
    await mirrorPending.execute();

    expect([...writer.crm.keys()]).toEqual(['mid.1', 'mid.2']);
    expect(mirrorPending.tally).toEqual({ mirrored: 2, alreadyThere: 0, failed: 0 });
  });

  it('when the CRM is unavailable, then the rows stay pending, not in doubt, and the next write is a plain batch again', async () => {
    const { outbox, writer, mirrorPending } = setUp(2);
    writer.trouble.push({ kind: 'unavailable' });

    expect((await mirrorPending.execute()).outcome).toBe('transient');
    expect(outbox.row(1)).toMatchObject({ state: 'pending', inDoubt: false, attempts: 0 });
    await mirrorPending.execute();

    expect(writer.statements).toEqual([{ ids: [1, 2], ifAbsent: false }, { ids: [1, 2], ifAbsent: false }]);
    expect(outbox.row(2).state).toBe('mirrored');
  });

  it('when one message of a batch is refused for its data, then the batch is halved until it is alone and every other message is mirrored', async () => {
    const { outbox, writer, logs, mirrorPending } = setUp(8);
    outbox.rows.get(6)!.message.text = 'POISON';

    expect((await mirrorPending.execute()).outcome).toBe('progress');

    expect(writer.statements.map((s) => s.ids)).toEqual([[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4], [5, 6, 7, 8], [5, 6], [5], [6], [7, 8]]);
    expect([...writer.crm.keys()].sort()).toEqual(['mid.1', 'mid.2', 'mid.3', 'mid.4', 'mid.5', 'mid.7', 'mid.8']);
    // Retried later with back-off (attempt 1: the base delay), then failed at maxAttempts.
    expect(outbox.row(6)).toMatchObject({ state: 'pending', inDoubt: false, attempts: 1, nextAttemptAt: NOW + 500 });
    // One line per refused write (three batches, then the row alone), each with the error and the TODO.
    expect(logs.matching('CRM write failed (rejected)').map((line) => [line.rows, line.mid ?? null])).toEqual([[8, null], [4, null], [2, null], [1, 'mid.6']]);
    expect(logs.matching('CRM write failed (rejected)').every((line) => line.todo === writer.todo && (line.error as { message: string }).message.includes('Data too long'))).toBe(true);
    expect(logs.matching('message mid.6 retried later')).toHaveLength(1);
  });

  it('when a refused message reaches CRM_MAX_ATTEMPTS, then it is marked failed, said in the one line of its failed write', async () => {
    const { outbox, writer, logs, mirrorPending } = setUp(1, { maxAttempts: 2 });
    outbox.rows.get(1)!.message.text = 'POISON';
    outbox.rows.get(1)!.message.crm.attempts = 1;

    await mirrorPending.execute();

    expect(outbox.row(1)).toMatchObject({ state: 'failed', attempts: 2 });
    expect(mirrorPending.tally.failed).toBe(1);
    expect(logs.lines).toEqual([expect.objectContaining({
      level: 50,
      msg: expect.stringMatching(/^CRM write failed \(rejected\): .*Data too long.*; message mid\.1 marked failed after 2 attempt/),
      mid: 'mid.1', attempts: 2, state: 'failed', failed: true, kind: 'rejected', todo: writer.todo,
      error: { type: 'Error', code: 'ER_DATA_TOO_LONG', errno: 1406, sqlState: '22001', sqlMessage: expect.stringContaining('Data too long'), message: expect.stringContaining('Data too long'), stack: 'Error: Data too long' },
    })]);
  });

  it('when a backfill walks its selection, then in-doubt rows are checked first and each row is reported once', async () => {
    const outbox = new FakeCrmOutbox().add(outboxMessage(1, 'a', 'not_mirrored'), outboxMessage(2, 'b', 'failed'), outboxMessage(3, 'c', 'not_mirrored'));
    outbox.rows.get(2)!.inDoubt = true;
    const writer = new FakeCrmWriter();
    writer.crm.set('mid.2', 1);
    const backfill = new MirrorPendingMessages(writer, outbox, clock, createLogger('info', new LogCapture()), {
      batchSize: 2, maxAttempts: 0, retryBaseMs: 500, retryMaxMs: 60_000, selection: { states: ['not_mirrored', 'failed'] },
    });
    const seen: number[] = [];

    let step = await backfill.execute(0, (rows) => seen.push(...rows.map((m) => m.id)));
    step = await backfill.execute(step.lastId, (rows) => seen.push(...rows.map((m) => m.id)));
    expect((await backfill.execute(step.lastId)).outcome).toBe('idle');

    expect(seen).toEqual([1, 2, 3]);
    expect(writer.statements).toEqual([{ ids: [2], ifAbsent: true }, { ids: [1], ifAbsent: false }, { ids: [3], ifAbsent: false }]);
    expect(backfill.tally).toEqual({ mirrored: 2, alreadyThere: 1, failed: 0 });
    expect(writer.duplicates()).toEqual([]);
  });
});
