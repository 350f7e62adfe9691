import type { AccountStore, GivenToken } from '../../src/application/ports/account-store.js';
import type { Account } from '../../src/domain/account.js';

/** AccountStore in memory, for unit tests (the SQLite one is tested in integration/sqlite-account-store.test.ts). */
export class FakeAccountStore implements AccountStore {
  readonly accounts = new Map<string, Account & { envTokenHash: string | null }>();

  constructor(...accounts: Array<Partial<Account> & { id: string }>) {
    for (const account of accounts) {
      this.accounts.set(account.id, { username: null, token: `token-${account.id}`, tokenError: null, tokenAt: 0, expiresAt: null, refreshedAt: null, addedAt: 0, envTokenHash: null, ...account });
    }
  }

  async open(): Promise<void> {}

  async reload(): Promise<void> {}

  list(): Account[] {
    return [...this.accounts.values()].map(strip);
  }

  get(id: string): Account | null {
    const account = this.accounts.get(id);
    return account ? strip(account) : null;
  }

  byEnvTokenHash(hash: string): Account | null {
    const account = [...this.accounts.values()].find((a) => a.envTokenHash === hash);
    return account ? strip(account) : null;
  }

  async saveToken(given: GivenToken): Promise<boolean> {
    const before = this.accounts.get(given.id);
    this.accounts.set(given.id, {
      id: given.id,
      username: given.username ?? before?.username ?? null,
      token: given.token,
      tokenError: null,
      tokenAt: given.at,
      expiresAt: null,
      refreshedAt: null,
      addedAt: before?.addedAt ?? given.at,
      envTokenHash: given.envTokenHash ?? before?.envTokenHash ?? null,
    });
    return before === undefined;
  }

  async remove(id: string): Promise<boolean> {
    return this.accounts.delete(id);
  }

  async saveRefreshed(id: string, oldToken: string, newToken: string, expiresAt: number, at: number): Promise<boolean> {
    const account = this.accounts.get(id);
    if (!account || account.token !== oldToken) return false;
    Object.assign(account, { token: newToken, tokenError: null, tokenAt: at, expiresAt, refreshedAt: at });
    return true;
  }

  async markInvalid(id: string, token: string, reason: string): Promise<boolean> {
    const account = this.accounts.get(id);
    if (!account || account.token !== token || account.tokenError !== null) return false;
    account.tokenError = reason;
    return true;
  }

  async markValid(id: string, token: string): Promise<boolean> {
    const account = this.accounts.get(id);
    if (!account || account.token !== token || account.tokenError === null) return false;
    account.tokenError = null;
    return true;
  }

  async setUsername(id: string, username: string): Promise<void> {
    const account = this.accounts.get(id);
    if (account) account.username = username;
  }
}

function strip({ envTokenHash: _, ...account }: Account & { envTokenHash: string | null }): Account {
  return { ...account };
}
