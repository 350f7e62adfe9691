import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/adapters/sqlite/database.js';
import { SqliteConversationReader } from '../../src/adapters/sqlite/sqlite-conversation-reader.js';
import { SqliteMessageStore } from '../../src/adapters/sqlite/sqlite-message-store.js';
import { WorkerConversationReader } from '../../src/adapters/sqlite/worker-conversation-reader.js';
import { DomainError } from '../../src/domain/errors.js';
import { newMessage } from '../contract/message-store.contract.js';
import { textMessages } from '../support/instagram-events.js';
import { startTestService } from '../support/service.js';

const config = { crm: { enabled: false } as never, deferredChangeTtlMs: 48 * 3_600_000 };
const clock = { now: () => 1_800_000_000_000 };
const silent = pino({ level: 'silent' });

/** The read API's queries in their worker thread, on a real SQLite file the service writes. */
describe('WorkerConversationReader', () => {
  const opened: WorkerConversationReader[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((reader) => reader.close()));
  });

  async function storeWith(mids: Array<{ mid: string; customerId: string; sentAt: number }>) {
    const path = join(mkdtempSync(join(tmpdir(), 'igbridge-read-worker-')), 'store.db');
    const db = openSqlite(path);
    await new SqliteMessageStore(db, config, clock).record(mids.map(({ mid, ...fields }) => ({ kind: 'message', message: newMessage(mid, fields) })));
    return { path, local: new SqliteConversationReader(db) };
  }

  function workerOver(path: string, local: SqliteConversationReader, maxQueued = 256) {
    const inUse: number[] = [];
    const reader = new WorkerConversationReader(local, { path, busyTimeoutMs: 50, maxQueued }, { limitInUse: (_resource, value) => inUse.push(value) }, silent);
    opened.push(reader);
    return { reader, inUse };
  }

  it('when the inbox reads through the worker, then it gets exactly what the service connection reads', async () => {
    const { path, local } = await storeWith([
      { mid: 'a1', customerId: '6000000000000001', sentAt: 1_000 },
      { mid: 'b1', customerId: '6000000000000002', sentAt: 2_000 },
      { mid: 'a2', customerId: '6000000000000001', sentAt: 3_000 },
    ]);
    const { reader } = workerOver(path, local);

    expect(await reader.conversations({ limit: 10, before: null })).toEqual(await local.conversations({ limit: 10, before: null }));
    expect(await reader.messages('6000000000000001', { limit: 1, before: null })).toEqual(await local.messages('6000000000000001', { limit: 1, before: null }));
    expect(await reader.message('b1')).toEqual(await local.message('b1'));
    expect(await reader.message('absent')).toBeNull();
  });

  it('when a message is committed after the worker started, then the next read sees it', async () => {
    const { path, local } = await storeWith([{ mid: 'a1', customerId: '6000000000000001', sentAt: 1_000 }]);
    const { reader } = workerOver(path, local);
    expect(await reader.conversations({ limit: 10, before: null })).toHaveLength(1);

    await new SqliteMessageStore(openSqlite(path), config, clock).record([{ kind: 'message', message: newMessage('b1', { customerId: '6000000000000002', sentAt: 2_000 }) }]);

    expect((await reader.conversations({ limit: 10, before: null })).map((row) => row.userId)).toEqual(['6000000000000002', '6000000000000001']);
  });

  it('when more reads wait than the queue holds, then the one beyond is refused store_busy at once and the others are answered', async () => {
    const { path, local } = await storeWith([{ mid: 'a1', customerId: '6000000000000001', sentAt: 1_000 }]);
    const { reader, inUse } = workerOver(path, local, 2);

    const answers = await Promise.allSettled([1, 2, 3].map(() => reader.conversations({ limit: 10, before: null })));

    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refusal = (answers[2] as PromiseRejectedResult).reason as DomainError;
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal.code).toBe('store_busy');
    expect(Math.max(...inUse)).toBe(2);
    expect(inUse.at(-1)).toBe(0);
  });

  it('when the worker cannot start (the file is not there yet), then the read fails with the reason and the next read starts a new worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igbridge-read-worker-'));
    const path = join(dir, 'later.db');
    const local = new SqliteConversationReader(openSqlite(join(dir, 'other.db')));
    const { reader } = workerOver(path, local);

    await expect(reader.conversations({ limit: 10, before: null })).rejects.toThrow(/unable to open|does not exist|no such file/i);

    const db = openSqlite(path);
    await new SqliteMessageStore(db, config, clock).record([{ kind: 'message', message: newMessage('a1', { customerId: '6000000000000001', sentAt: 1_000 }) }]);
    expect(await reader.conversations({ limit: 10, before: null })).toHaveLength(1);
  });

  it('when it is closed, then reads are refused and ping still writes through the service connection', async () => {
    const { path, local } = await storeWith([{ mid: 'a1', customerId: '6000000000000001', sentAt: 1_000 }]);
    const { reader } = workerOver(path, local);
    await reader.conversations({ limit: 1, before: null });

    await reader.close();

    await expect(reader.message('a1')).rejects.toThrow('the service is stopping');
    await expect(reader.ping()).resolves.toBeUndefined();
  });
});

describe('the service reads through its read worker', () => {
  it('when the inbox lists conversations, then the answer came through the worker (read_queue in /metrics) and the service stops cleanly', async () => {
    const service = await startTestService();
    try {
      await service.webhook(textMessages([{ mid: 'm.worker.1', text: 'hello' }]));

      const list = await service.api('/api/conversations');
      const metrics = await (await fetch(`${service.url}/metrics`)).text();

      expect(list.status).toBe(200);
      expect(((await list.json()) as { conversations: unknown[] }).conversations).toHaveLength(1);
      expect(metrics).toMatch(/igbridge_limit_in_use\{resource="read_queue"\} 0/);
    } finally {
      await service.stop();
    }
  });
});
