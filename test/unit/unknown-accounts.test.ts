import { describe, expect, it } from 'vitest';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { UnknownAccounts } from '../../src/application/unknown-accounts.js';
import type { Message } from '../../src/domain/message.js';
import { createLogger } from '../../src/logger.js';
import { FakeAccountStore } from '../support/fake-account-store.js';
import { LogCapture } from '../support/log-capture.js';

const to = (accountId: string) => ({ accountId }) as Message;

function wire(max?: number) {
  const logs = new LogCapture();
  const counted: number[] = [];
  const metrics = { ...noOpMetrics, unknownAccountMessages: (count: number) => void counted.push(count) };
  const notice = new UnknownAccounts(new FakeAccountStore({ id: '1' }), metrics, createLogger('info', logs), max);
  return { notice, logs, counted };
}

describe('UnknownAccounts: messages for an account igbridge has no token for', () => {
  it('when they arrive, then the account is named once with how to add it, and every message is counted; known accounts are quiet', () => {
    const { notice, logs, counted } = wire();

    notice.check([to('1'), to('2'), to('2')]);
    notice.check([to('2')]);

    const lines = logs.matching('messages for Instagram account 2 are stored');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toContain('npm run accounts -- add --token');
    expect(logs.lines).toHaveLength(1);
    expect(counted).toEqual([2, 1]);
  });

  it('when more unknown accounts come than it remembers, then the rest are counted, not named, and one line says so', () => {
    const { notice, logs, counted } = wire(3);

    for (let i = 10; i < 20; i++) notice.check([to(String(i))]);
    notice.check([to('10')]);

    expect(logs.matching('are stored, but igbridge has no access token')).toHaveLength(3);
    expect(logs.matching('more than 3 Instagram accounts')).toHaveLength(1);
    expect(counted).toHaveLength(11);
    expect(logs.lines).toHaveLength(4);
  });
});
