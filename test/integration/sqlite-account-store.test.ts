import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDb } from '../../src/adapters/sqlite/database.js';
import { SqliteAccountStore } from '../../src/adapters/sqlite/sqlite-account-store.js';
import { sqliteRows } from '../support/sqlite-rows.js';

const SHOP = '17841400000000001';
const OUTLET = '17841400000000002';

describe('SqliteAccountStore (the accounts table)', () => {
  let dir: string;
  let path: string;
  let db: SqliteDb;
  let store: SqliteAccountStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'igbridge-accounts-'));
    path = join(dir, 'igbridge.db');
    db = openSqlite(path);
    store = new SqliteAccountStore(db);
  });
  afterEach(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when another process adds, refreshes or removes an account, then the service connection sees it at its next read (it keeps the table in memory between changes)', async () => {
    await store.saveToken({ id: SHOP, username: 'acme.shop', token: 'T1', at: 1, envTokenHash: null });
    expect(store.list().map((a) => a.id)).toEqual([SHOP]);
    const cli = openSqlite(path);
    const other = new SqliteAccountStore(cli);

    await other.saveToken({ id: OUTLET, username: 'acme.outlet', token: 'T2', at: 2, envTokenHash: null });
    expect(store.list().map((a) => a.id)).toEqual([SHOP, OUTLET]);
    await other.saveRefreshed(OUTLET, 'T2', 'T2b', 99, 3);
    expect(store.get(OUTLET)?.token).toBe('T2b');
    await other.remove(SHOP);
    expect(store.get(SHOP)).toBeNull();
    // Its own writes too, at once.
    await store.markInvalid(OUTLET, 'T2b', 'Meta code 190');
    expect(store.get(OUTLET)?.tokenError).toBe('Meta code 190');
    cli.$client.close();
  });

  it('when accounts are added, then they are listed oldest first, a second token for one replaces its token and keeps its name, and removing one forgets it', async () => {
    expect(await store.saveToken({ id: SHOP, username: 'acme.shop', token: 'T1', at: 1, envTokenHash: 'h1' })).toBe(true);
    expect(await store.saveToken({ id: OUTLET, username: 'acme.outlet', token: 'T2', at: 2, envTokenHash: null })).toBe(true);
    await store.markInvalid(SHOP, 'T1', 'Meta code 190');

    expect(await store.saveToken({ id: SHOP, username: null, token: 'T3', at: 3, envTokenHash: null })).toBe(false);

    expect(store.list().map((a) => [a.id, a.username, a.token, a.tokenError, a.tokenAt, a.addedAt])).toEqual([
      [SHOP, 'acme.shop', 'T3', null, 3, 1],
      [OUTLET, 'acme.outlet', 'T2', null, 2, 2],
    ]);
    expect(store.byEnvTokenHash('h1')?.id).toBe(SHOP);
    expect(await store.remove(OUTLET)).toBe(true);
    expect(await store.remove(OUTLET)).toBe(false);
    expect(store.get(OUTLET)).toBeNull();
  });

  it('when a refresh is saved, then token, expiry and times change in one row, only if the account still has the old token', async () => {
    await store.saveToken({ id: SHOP, username: null, token: 'T1', at: 1, envTokenHash: null });

    expect(await store.saveRefreshed(SHOP, 'T1', 'T1b', 1_000, 10)).toBe(true);
    expect(await store.saveRefreshed(SHOP, 'T1', 'stale', 2_000, 20)).toBe(false);

    expect(sqliteRows(path, 'SELECT token, token_state, token_at, expires_at, refreshed_at FROM accounts')).toEqual([
      { token: 'T1b', token_state: 'ok', token_at: 10, expires_at: 1_000, refreshed_at: 10 },
    ]);
  });

  it('when Meta refuses a token, then the account is marked invalid once, not for a token it no longer has, and a later success clears it', async () => {
    await store.saveToken({ id: SHOP, username: null, token: 'T1', at: 1, envTokenHash: null });

    expect(await store.markInvalid(SHOP, 'old-token', 'refused')).toBe(false);
    expect(await store.markInvalid(SHOP, 'T1', 'Meta code 190: expired')).toBe(true);
    expect(await store.markInvalid(SHOP, 'T1', 'again')).toBe(false);
    expect(store.get(SHOP)!.tokenError).toBe('Meta code 190: expired');
    expect(sqliteRows(path, 'SELECT token_state FROM accounts')).toEqual([{ token_state: 'invalid' }]);

    expect(await store.markValid(SHOP, 'T1')).toBe(true);
    expect(store.get(SHOP)!.tokenError).toBeNull();
  });

  it('when tokens are stored, then the database file that holds them is readable by its owner only', async () => {
    await store.saveToken({ id: SHOP, username: null, token: 'T1', at: 1, envTokenHash: null });

    expect((statSync(path).mode & 0o077).toString(8)).toBe('0');
  });
});
