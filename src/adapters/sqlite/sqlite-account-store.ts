import { and, asc, eq, ne } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { AccountStore, GivenToken } from '../../application/ports/account-store.js';
import { accountFromStore, type Account } from '../../domain/account.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { accounts } from './schema.js';


/**
 * The `accounts` table. A handful of rows, asked for on every delivery (which account, is there a
 * token): they are kept in memory and read again only when the table may have changed — after a
 * write of this store, or when another connection (`npm run accounts` in another process)
 * committed, which SQLite's `data_version` tells in a microsecond. So `open()` and `reload()` need
 * do no more than that check; the writes are `async` for the port's sake and commit when called.
 */
@injectable()
export class SqliteAccountStore implements AccountStore {
  private snapshot: { version: number; all: readonly Account[]; byId: Map<string, Account> } | null = null;
  private readonly dataVersion;

  constructor(@inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb) {
    this.dataVersion = db.$client.prepare('PRAGMA data_version').pluck();
  }

  async open(): Promise<void> {
    this.current();
  }

  /** Already current at every read (data_version): this only reads now what the next read would. */
  async reload(): Promise<void> {
    this.current();
  }

  list(): readonly Account[] {
    return this.current().all;
  }

  get(id: string): Account | null {
    return this.current().byId.get(id) ?? null;
  }

  private current(): { all: readonly Account[]; byId: Map<string, Account> } {
    const version = this.dataVersion.get() as number;
    if (this.snapshot?.version !== version) {
      const all = this.db.select().from(accounts).orderBy(asc(accounts.addedAt), asc(accounts.id)).all().map(accountFromStore);
      this.snapshot = { version, all, byId: new Map(all.map((account) => [account.id, account])) };
    }
    return this.snapshot;
  }

  /** After a write of this connection (which data_version does not count). */
  private changed<T>(result: T): T {
    this.snapshot = null;
    return result;
  }

  byEnvTokenHash(hash: string): Account | null {
    const row = this.db.select().from(accounts).where(eq(accounts.envTokenHash, hash)).get();
    return row ? accountFromStore(row) : null;
  }

  async saveToken(given: GivenToken): Promise<boolean> {
    const fresh = { token: given.token, tokenState: 'ok' as const, tokenError: null, tokenAt: given.at, expiresAt: null, refreshedAt: null };
    const existed = this.db.transaction((tx) => {
      const before = tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, given.id)).get();
      // One env token belongs to one account: an older row that had it forgets it.
      if (given.envTokenHash) tx.update(accounts).set({ envTokenHash: null }).where(and(eq(accounts.envTokenHash, given.envTokenHash), ne(accounts.id, given.id))).run();
      tx.insert(accounts)
        .values({ id: given.id, username: given.username, ...fresh, envTokenHash: given.envTokenHash, addedAt: given.at })
        .onConflictDoUpdate({
          target: accounts.id,
          set: { ...fresh, ...(given.username ? { username: given.username } : {}), ...(given.envTokenHash ? { envTokenHash: given.envTokenHash } : {}) },
        })
        .run();
      return before !== undefined;
    });
    return this.changed(!existed);
  }

  async remove(id: string): Promise<boolean> {
    return this.changed(this.db.delete(accounts).where(eq(accounts.id, id)).run().changes > 0);
  }

  async saveRefreshed(id: string, oldToken: string, newToken: string, expiresAt: number, at: number): Promise<boolean> {
    return this.changed(this.db
      .update(accounts)
      .set({ token: newToken, tokenState: 'ok', tokenError: null, tokenAt: at, expiresAt, refreshedAt: at })
      .where(and(eq(accounts.id, id), eq(accounts.token, oldToken)))
      .run().changes > 0);
  }

  async markInvalid(id: string, token: string, reason: string): Promise<boolean> {
    return this.changed(this.db
      .update(accounts)
      .set({ tokenState: 'invalid', tokenError: reason.slice(0, 500) })
      .where(and(eq(accounts.id, id), eq(accounts.token, token), eq(accounts.tokenState, 'ok')))
      .run().changes > 0);
  }

  async markValid(id: string, token: string): Promise<boolean> {
    return this.changed(this.db
      .update(accounts)
      .set({ tokenState: 'ok', tokenError: null })
      .where(and(eq(accounts.id, id), eq(accounts.token, token), eq(accounts.tokenState, 'invalid')))
      .run().changes > 0);
  }

  async setUsername(id: string, username: string): Promise<void> {
    this.changed(this.db.update(accounts).set({ username }).where(eq(accounts.id, id)).run());
  }
}
