import { describe, expect, it } from 'vitest';
import type { AccountGraph, RefreshedToken, TokenOwner } from '../../src/application/ports/account-graph.js';
import { RegisterEnvAccount } from '../../src/application/register-env-account.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { FakeAccountStore } from '../support/fake-account-store.js';
import { LogCapture } from '../support/log-capture.js';

const ID = '17841400000000001';

class MeGraph implements AccountGraph {
  readonly asked: string[] = [];
  async owner(token: string): Promise<TokenOwner> {
    this.asked.push(token);
    return { id: ID, username: 'acme.shop' };
  }
  async refresh(): Promise<RefreshedToken> {
    throw new Error('not used');
  }
}

function register(store: FakeAccountStore, env: Record<string, string>, at = 1_000) {
  const graph = new MeGraph();
  const logs = new LogCapture();
  const use = new RegisterEnvAccount(loadConfig(env), store, graph, { now: () => at }, createLogger('info', logs));
  return { run: () => use.execute(), graph, logs };
}

describe('RegisterEnvAccount: IG_ACCOUNT_ID + IG_ACCESS_TOKEN is the first account', () => {
  it('when the env pair is new, then it is stored without asking Meta; with IG_ACCOUNT_ID=me, Meta names the account', async () => {
    const store = new FakeAccountStore();
    const byId = register(store, { IG_ACCESS_TOKEN: 'ENV1', IG_ACCOUNT_ID: ID });
    expect(await byId.run()).toBe('stored');
    expect(byId.graph.asked).toEqual([]);
    expect(store.get(ID)).toMatchObject({ token: 'ENV1', username: null, tokenAt: 1_000 });

    const other = new FakeAccountStore();
    const me = register(other, { IG_ACCESS_TOKEN: 'ENV1', IG_ACCOUNT_ID: 'me' });
    expect(await me.run()).toBe('stored');
    expect(me.graph.asked).toEqual(['ENV1']);
    expect(other.get(ID)).toMatchObject({ token: 'ENV1', username: 'acme.shop' });
    expect(me.logs.text()).not.toContain('ENV1');
  });

  it('when the stored token was refreshed since and the env value did not change, then the refreshed token stays', async () => {
    const store = new FakeAccountStore();
    await register(store, { IG_ACCESS_TOKEN: 'ENV1', IG_ACCOUNT_ID: 'me' }).run();
    await store.saveRefreshed(ID, 'ENV1', 'ENV1.r1', 5_000, 2_000);

    const again = register(store, { IG_ACCESS_TOKEN: 'ENV1', IG_ACCOUNT_ID: 'me' }, 3_000);

    expect(await again.run()).toBe('unchanged');
    expect(again.graph.asked).toEqual([]);
    expect(store.get(ID)).toMatchObject({ token: 'ENV1.r1', expiresAt: 5_000 });
  });

  it('when the env value changes, then it replaces the stored token (usable again, expiry unknown) and the log says so', async () => {
    const store = new FakeAccountStore();
    await register(store, { IG_ACCESS_TOKEN: 'ENV1', IG_ACCOUNT_ID: ID }).run();
    await store.saveRefreshed(ID, 'ENV1', 'ENV1.r1', 5_000, 2_000);
    await store.markInvalid(ID, 'ENV1.r1', 'Meta code 190');

    const changed = register(store, { IG_ACCESS_TOKEN: 'ENV2', IG_ACCOUNT_ID: ID }, 3_000);

    expect(await changed.run()).toBe('stored');
    expect(store.get(ID)).toMatchObject({ token: 'ENV2', tokenError: null, expiresAt: null, tokenAt: 3_000 });
    expect(changed.logs.matching('IG_ACCESS_TOKEN changed')).toHaveLength(1);
  });

  it('when no IG_ACCESS_TOKEN is set, then nothing is stored', async () => {
    const store = new FakeAccountStore();
    expect(await register(store, {}).run()).toBe('none');
    expect(store.list()).toEqual([]);
  });
});
