import { describe, expect, it } from 'vitest';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { TokenRejected, type AccountGraph, type RefreshedToken, type TokenOwner } from '../../src/application/ports/account-graph.js';
import type { ConversationReader } from '../../src/application/ports/conversation-reader.js';
import { REFRESH_RETRY_MS, RefreshTokens } from '../../src/application/refresh-tokens.js';
import { TokenAlerts } from '../../src/application/token-alerts.js';
import { TokenBook } from '../../src/application/token-book.js';
import { loadConfig } from '../../src/config.js';
import type { Account } from '../../src/domain/account.js';
import { DomainError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/logger.js';
import { FakeAccountStore } from '../support/fake-account-store.js';
import { LogCapture } from '../support/log-capture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 11, 1, 12);
const ID = '17841400000000001';

/** Meta's refresh endpoint, scripted: each answer once, then new tokens. */
class ScriptedGraph implements AccountGraph {
  readonly refreshed: string[] = [];
  readonly answers: Array<RefreshedToken | Error> = [];
  private n = 0;
  /** Runs while a refresh is in flight (to change the store meanwhile). */
  during: (() => void) | null = null;
  async owner(): Promise<TokenOwner> {
    return { id: ID, username: 'acme.shop' };
  }
  async refresh(token: string): Promise<RefreshedToken> {
    this.refreshed.push(token);
    this.during?.();
    const answer = this.answers.shift() ?? { token: `${token}.r${++this.n}`, expiresInS: 60 * 86_400 };
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

function wire(account: Partial<Account>, env: Record<string, string> = {}) {
  let now = START;
  const clock = { now: () => now };
  const store = new FakeAccountStore({ id: ID, username: 'acme.shop', token: 'T0', tokenAt: START, addedAt: START, ...account });
  const graph = new ScriptedGraph();
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const config = loadConfig(env);
  const alerts = new TokenAlerts(clock, logger);
  const reader = { accountsOf: async () => [] } as unknown as ConversationReader;
  const book = new TokenBook(store, reader, clock, logger, config, alerts);
  const refresh = new RefreshTokens(store, graph, book, alerts, noOpMetrics, clock, logger, config);
  return { store, graph, logs, refresh, advance: (ms: number) => void (now += ms), now: () => now };
}

describe('RefreshTokens: one pass over the accounts\' tokens', () => {
  it('when a token turns 24 h old, then it is refreshed once and the new token is saved with its expiry; the next is due a day later', async () => {
    const { store, graph, refresh, advance, now } = wire({});

    advance(23 * HOUR);
    await refresh.execute();
    expect(graph.refreshed).toEqual([]);
    advance(HOUR);
    await refresh.execute();
    await refresh.execute();

    expect(graph.refreshed).toEqual(['T0']);
    expect(store.get(ID)).toMatchObject({ token: 'T0.r1', tokenAt: now(), refreshedAt: now(), expiresAt: now() + 60 * DAY });
    advance(DAY - 1);
    await refresh.execute();
    expect(graph.refreshed).toEqual(['T0']);
    advance(1);
    await refresh.execute();
    expect(graph.refreshed).toEqual(['T0', 'T0.r1']);
  });

  it('when TOKEN_REFRESH_H is 48, then a token is left alone until it is 48 h old', async () => {
    const { graph, refresh, advance } = wire({}, { TOKEN_REFRESH_H: '48' });

    advance(47 * HOUR);
    await refresh.execute();
    advance(HOUR);
    await refresh.execute();

    expect(graph.refreshed).toEqual(['T0']);
  });

  it('when Meta cannot be reached, then the token stays, a warning says so, and the refresh is tried again an hour later, not before', async () => {
    const { store, graph, logs, refresh, advance } = wire({ tokenAt: START - DAY });
    graph.answers.push(new DomainError('graph_unreachable', "Meta's Graph API could not be reached: ECONNREFUSED"));

    await refresh.execute();
    advance(REFRESH_RETRY_MS - 1);
    await refresh.execute();
    expect(graph.refreshed).toEqual(['T0']);
    expect(store.get(ID)).toMatchObject({ token: 'T0', tokenError: null });
    expect(logs.matching('token refresh failed (Meta\'s Graph API could not be reached: ECONNREFUSED)')).toHaveLength(1);

    advance(1);
    await refresh.execute();
    expect(store.get(ID)!.token).toBe('T0.r1');
  });

  it('when Meta refuses the refresh (190), then the account is invalid, one error log says what to do, and it is not refreshed again', async () => {
    const { store, graph, logs, refresh, advance } = wire({ tokenAt: START - DAY });
    graph.answers.push(new TokenRejected('Meta code 190: Error validating access token'));

    await refresh.execute();
    advance(2 * HOUR);
    await refresh.execute();

    expect(store.get(ID)!.tokenError).toBe('Meta refused to refresh it: Meta code 190: Error validating access token');
    expect(graph.refreshed).toEqual(['T0']);
    const errors = logs.lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ account: ID, token_state: 'invalid' });
    expect(errors[0]!.msg).toContain('npm run accounts -- add --token');
  });

  it('when a token gets under TOKEN_WARN_DAYS, then an error log says when it expires, once, and again a day later', async () => {
    const { graph, logs, refresh, advance } = wire({ tokenAt: START, expiresAt: START + 8 * DAY });
    graph.answers.push(new DomainError('graph_unreachable', 'down'), new DomainError('graph_unreachable', 'down'), new DomainError('graph_unreachable', 'down'));

    await refresh.execute();
    expect(logs.lines.filter((line) => line.level === 50)).toEqual([]);
    advance(DAY + HOUR); // 6 days 23 h left; the refresh fails
    await refresh.execute();
    advance(HOUR);
    await refresh.execute();
    const errors = () => logs.lines.filter((line) => line.level === 50);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({ token_state: 'expiring', expires_at: new Date(START + 8 * DAY).toISOString() });
    expect(errors()[0]!.msg).toContain('6 days left');

    advance(DAY);
    await refresh.execute();
    expect(errors()).toHaveLength(2);
  });

  it('when the account gets a new token while a refresh is in flight, then the refresh does not overwrite it', async () => {
    const { store, graph, refresh } = wire({ tokenAt: START - DAY });
    graph.during = () => store.saveToken({ id: ID, username: null, token: 'NEW', at: START, envTokenHash: null });

    await refresh.execute();

    expect(store.get(ID)).toMatchObject({ token: 'NEW', expiresAt: null });
  });
});
