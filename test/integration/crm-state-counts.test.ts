import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { PENDING } from '../../src/application/ports/crm-outbox.js';
import { SqliteCrmOutbox } from '../../src/adapters/sqlite/sqlite-crm-outbox.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { newMessage } from '../contract/message-store.contract.js';
import { sqliteRows } from '../support/sqlite-rows.js';

const ttl = { deferredChangeTtlMs: 48 * 3_600_000 };
const clock = { now: () => 1_800_000_000_000 };

/** The counts as a full GROUP BY computes them. */
function counted(path: string) {
  const rows = sqliteRows<{ crm_state: string; n: number }>(path, 'SELECT crm_state, count(*) AS n FROM messages GROUP BY crm_state');
  const n = (state: string) => rows.find((r) => r.crm_state === state)?.n ?? 0;
  return { pending: n('pending'), failed: n('failed'), notMirrored: n('not_mirrored') };
}

describe('CRM state counts kept by triggers', () => {
  it('when messages are stored, mirrored, rejected and failed, then the counts read equal a full count', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'igbridge-counts-')), 'store.db');
    const db = openSqlite(path);
    const outbox = new SqliteCrmOutbox(db);
    await new SqliteMessageStore(db, { crm: { enabled: true } as never, ...ttl }, clock).record(
      Array.from({ length: 40 }, (_, i) => ({ kind: 'message' as const, message: newMessage(`p${i}`, { sentAt: i }) })),
    );
    await new SqliteMessageStore(db, { crm: { enabled: false } as never, ...ttl }, clock).record([{ kind: 'message', message: newMessage('off') }]);
    const due = await outbox.due(PENDING, false, clock.now(), 100);
    await outbox.markInDoubt(due.slice(0, 30).map((m) => m.id));
    await outbox.markMirrored(due.slice(0, 25).map((m) => m.id), clock.now());
    await outbox.markMirrored(due.slice(0, 5).map((m) => m.id), clock.now());
    await outbox.markRejected(due[30]!.id, 'too long', 1, clock.now());
    await outbox.markRejected(due[31]!.id, 'too long', 5, clock.now());

    expect(await outbox.counts()).toEqual({ pending: 14, failed: 1, notMirrored: 1 });
    expect(await outbox.counts()).toEqual(counted(path));
  });
});
