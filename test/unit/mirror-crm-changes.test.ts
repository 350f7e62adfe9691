import { describe, expect, it } from 'vitest';
import { MirrorPendingMessages } from '../../src/application/crm-mirror/mirror-pending-messages.js';
import { createLogger } from '../../src/logger.js';
import { FakeCrmOutbox, outboxMessage } from '../support/fake-crm-outbox.js';
import { FakeCrmWriter } from '../support/fake-crm-writer.js';
import { LogCapture } from '../support/log-capture.js';

const clock = { now: () => 1_800_000_000_000 };

/** A CRM table with a mid column (UNIQUE: `idempotent`), and two stored messages. */
function setUp(capabilities: { idempotent: boolean; updatesChanges: boolean }) {
  const outbox = new FakeCrmOutbox().add(outboxMessage(1, 'Blue, please'), outboxMessage(2, 'Size M'));
  const writer = Object.assign(new FakeCrmWriter(), capabilities);
  const logs = new LogCapture();
  const mirrorPending = new MirrorPendingMessages(writer, outbox, clock, createLogger('info', logs), { batchSize: 500, maxAttempts: 3, retryBaseMs: 500, retryMaxMs: 60_000 });
  return { outbox, writer, logs, mirrorPending };
}

describe('MirrorPendingMessages with a mid column in the CRM (SPEC §10)', () => {
  it('when a write to a UNIQUE mid column is lost after commit, then its rows are written again as one batch, no look-up, each once', async () => {
    const { outbox, writer, logs, mirrorPending } = setUp({ idempotent: true, updatesChanges: true });
    writer.trouble.push({ kind: 'in_doubt', committed: true });

    expect((await mirrorPending.execute()).outcome).toBe('transient');
    expect((await mirrorPending.execute()).outcome).toBe('progress');

    expect(writer.statements).toEqual([{ ids: [1, 2], ifAbsent: false }, { ids: [1, 2], ifAbsent: false }]);
    expect(writer.duplicates()).toEqual([]);
    expect([outbox.row(1), outbox.row(2)]).toEqual([expect.objectContaining({ state: 'mirrored', inDoubt: false }), expect.objectContaining({ state: 'mirrored', inDoubt: false })]);
    expect(logs.matching('written again on their mid')).toHaveLength(1);
  });

  it('when a message is edited before its row is written, then the insert comes first and the update after it', async () => {
    const { outbox, writer, mirrorPending } = setUp({ idempotent: true, updatesChanges: true });
    outbox.change(1, { text: 'Red, please' });

    await mirrorPending.execute();
    expect((await outbox.changed(10)).map((m) => m.id)).toEqual([1]);
    expect((await mirrorPending.execute()).outcome).toBe('progress');
    expect((await mirrorPending.execute()).outcome).toBe('idle');

    expect(writer.statements).toEqual([{ ids: [1, 2], ifAbsent: false }, { ids: [1], ifAbsent: false, update: true }]);
    expect(writer.updated.get('mid.1')).toEqual({ text: 'Red, please', unsent: false });
    expect(await outbox.changed(10)).toEqual([]);
  });

  it('when the CRM is down for an update, then the change stays due and goes with the next round', async () => {
    const { outbox, writer, mirrorPending } = setUp({ idempotent: true, updatesChanges: true });
    await mirrorPending.execute();
    outbox.change(2, { unsent: true });
    writer.trouble.push({ kind: 'unavailable' });

    expect((await mirrorPending.execute()).outcome).toBe('transient');
    expect((await outbox.changed(10)).map((m) => m.id)).toEqual([2]);
    expect(outbox.row(2)).toMatchObject({ state: 'mirrored', lastError: 'unavailable (scripted)' });

    expect((await mirrorPending.execute()).outcome).toBe('progress');
    expect(writer.updated.get('mid.2')).toEqual({ text: 'Size M', unsent: true });
    expect(outbox.row(2)).toMatchObject({ state: 'mirrored', lastError: null });
  });

  it('when the CRM refuses an update for its data, then the change stays local, its error kept, and it is not tried again', async () => {
    const { outbox, writer, logs, mirrorPending } = setUp({ idempotent: true, updatesChanges: true });
    await mirrorPending.execute();
    outbox.change(1, { text: 'far too long' });
    writer.trouble.push({ kind: 'rejected' });

    expect((await mirrorPending.execute()).outcome).toBe('progress');
    expect((await mirrorPending.execute()).outcome).toBe('idle');

    expect(outbox.row(1)).toMatchObject({ state: 'mirrored', lastError: 'rejected (scripted)' });
    expect(logs.matching('the change to message mid.1 stays local')).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^CRM write failed \(rejected\)/), todo: writer.todo, error: expect.objectContaining({ message: expect.any(String) }) })]);
  });

  it('when the CRM table has no mid column, then edits and unsends stay local: no statement, nothing left due', async () => {
    const { outbox, writer, mirrorPending } = setUp({ idempotent: false, updatesChanges: false });
    await mirrorPending.execute();
    outbox.change(1, { text: 'Red, please' });
    outbox.change(2, { unsent: true });

    expect((await mirrorPending.execute()).outcome).toBe('progress');

    expect(writer.statements).toEqual([{ ids: [1, 2], ifAbsent: false }]);
    expect(await outbox.changed(10)).toEqual([]);
  });
});
