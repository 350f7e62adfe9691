import { and, asc, eq, ne } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { AccountStore, GivenToken } from '../../application/ports/account-store.js';
import type { Account } from '../../domain/account.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { accounts } from './schema.js';

type Row = typeof accounts.$inferSelect;

function toAccount(row: Row): Account {
  return {
    id: row.id,
    username: row.username,
    token: row.token,
    tokenError: row.tokenState === 'invalid' ? (row.tokenError ?? 'Meta refused the token') : null,
    tokenAt: row.tokenAt,
    expiresAt: row.expiresAt,
    refreshedAt: row.refreshedAt,
    addedAt: row.addedAt,
  };
}

/** The `accounts` table. A handful of rows: every read is by primary key or of the whole (tiny) table. */
@injectable()
export class SqliteAccountStore implements AccountStore {
  constructor(@inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb) {}

  list(): Account[] {
    return this.db.select().from(accounts).orderBy(asc(accounts.addedAt), asc(accounts.id)).all().map(toAccount);
  }

  get(id: string): Account | null {
    const row = this.db.select().from(accounts).where(eq(accounts.id, id)).get();
    return row ? toAccount(row) : null;
  }

  byEnvTokenHash(hash: string): Account | null {
    const row = this.db.select().from(accounts).where(eq(accounts.envTokenHash, hash)).get();
    return row ? toAccount(row) : null;
  }

  saveToken(given: GivenToken): boolean {
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
    return !existed;
  }

  remove(id: string): boolean {
    return this.db.delete(accounts).where(eq(accounts.id, id)).run().changes > 0;
  }

  saveRefreshed(id: string, oldToken: string, newToken: string, expiresAt: number, at: number): boolean {
    return this.db
      .update(accounts)
      .set({ token: newToken, tokenState: 'ok', tokenError: null, tokenAt: at, expiresAt, refreshedAt: at })
      .where(and(eq(accounts.id, id), eq(accounts.token, oldToken)))
      .run().changes > 0;
  }

  markInvalid(id: string, token: string, reason: string): boolean {
    return this.db
      .update(accounts)
      .set({ tokenState: 'invalid', tokenError: reason.slice(0, 500) })
      .where(and(eq(accounts.id, id), eq(accounts.token, token), eq(accounts.tokenState, 'ok')))
      .run().changes > 0;
  }

  markValid(id: string, token: string): boolean {
    return this.db
      .update(accounts)
      .set({ tokenState: 'ok', tokenError: null })
      .where(and(eq(accounts.id, id), eq(accounts.token, token), eq(accounts.tokenState, 'invalid')))
      .run().changes > 0;
  }

  setUsername(id: string, username: string): void {
    this.db.update(accounts).set({ username }).where(eq(accounts.id, id)).run();
  }
}
