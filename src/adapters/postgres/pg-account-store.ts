import { and, asc, eq, ne } from 'drizzle-orm';
import type { AccountStore, GivenToken } from '../../application/ports/account-store.js';
import { accountFromStore, type Account } from '../../domain/account.js';
import { inTransaction, type PgDb } from './database.js';
import { accounts } from './schema.js';


/** How often the accounts are read again, for what another instance or `npm run accounts` changed. */
export const ACCOUNTS_RELOAD_MS = 5_000;

interface Snapshot {
  all: readonly Account[];
  byId: Map<string, Account>;
  byEnvHash: Map<string, Account>;
}

/**
 * The `accounts` table on PostgreSQL, shared by every instance. The reads answer from memory (every
 * delivery asks whose it is); the table is read at `open()`, after each write of this store, and
 * every ACCOUNTS_RELOAD_MS in the background, so a token added or refreshed elsewhere reaches this
 * instance within seconds. A reload that fails keeps the last accounts (logged by the caller of
 * `reload()`; the background one retries at its next turn).
 */
export class PgAccountStore implements AccountStore {
  private snapshot: Snapshot = { all: [], byId: new Map(), byEnvHash: new Map() };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: PgDb, private readonly reloadMs = ACCOUNTS_RELOAD_MS) {}

  async open(): Promise<void> {
    await this.reload();
    this.timer ??= setInterval(() => void this.reload().catch(() => {}), this.reloadMs).unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async reload(): Promise<void> {
    const rows = await this.db.select().from(accounts).orderBy(asc(accounts.addedAt), asc(accounts.id));
    const all = rows.map(accountFromStore);
    const byEnvHash = new Map<string, Account>();
    rows.forEach((row, i) => row.envTokenHash && byEnvHash.set(row.envTokenHash, all[i]!));
    this.snapshot = { all, byId: new Map(all.map((account) => [account.id, account])), byEnvHash };
  }

  list(): readonly Account[] {
    return this.snapshot.all;
  }

  get(id: string): Account | null {
    return this.snapshot.byId.get(id) ?? null;
  }

  byEnvTokenHash(hash: string): Account | null {
    return this.snapshot.byEnvHash.get(hash) ?? null;
  }

  /** After a write: the reads show it once it resolves (a failed re-read leaves it to the next one: the write is committed). */
  private async changed<T>(result: T): Promise<T> {
    await this.reload().catch(() => {});
    return result;
  }

  async saveToken(given: GivenToken): Promise<boolean> {
    const fresh = { token: given.token, tokenState: 'ok' as const, tokenError: null, tokenAt: given.at, expiresAt: null, refreshedAt: null };
    const existed = await inTransaction(this.db, async (tx) => {
      const [before] = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, given.id)).for('update');
      // One env token belongs to one account: an older row that had it forgets it.
      if (given.envTokenHash) await tx.update(accounts).set({ envTokenHash: null }).where(and(eq(accounts.envTokenHash, given.envTokenHash), ne(accounts.id, given.id)));
      await tx
        .insert(accounts)
        .values({ id: given.id, username: given.username, ...fresh, envTokenHash: given.envTokenHash, addedAt: given.at })
        .onConflictDoUpdate({
          target: accounts.id,
          set: { ...fresh, ...(given.username ? { username: given.username } : {}), ...(given.envTokenHash ? { envTokenHash: given.envTokenHash } : {}) },
        });
      return before !== undefined;
    });
    return this.changed(!existed);
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.db.delete(accounts).where(eq(accounts.id, id)).returning({ id: accounts.id });
    return this.changed(removed.length > 0);
  }

  async saveRefreshed(id: string, oldToken: string, newToken: string, expiresAt: number, at: number): Promise<boolean> {
    const rows = await this.db
      .update(accounts)
      .set({ token: newToken, tokenState: 'ok', tokenError: null, tokenAt: at, expiresAt, refreshedAt: at })
      .where(and(eq(accounts.id, id), eq(accounts.token, oldToken)))
      .returning({ id: accounts.id });
    return this.changed(rows.length > 0);
  }

  async markInvalid(id: string, token: string, reason: string): Promise<boolean> {
    const rows = await this.db
      .update(accounts)
      .set({ tokenState: 'invalid', tokenError: reason.slice(0, 500) })
      .where(and(eq(accounts.id, id), eq(accounts.token, token), eq(accounts.tokenState, 'ok')))
      .returning({ id: accounts.id });
    return this.changed(rows.length > 0);
  }

  async markValid(id: string, token: string): Promise<boolean> {
    const rows = await this.db
      .update(accounts)
      .set({ tokenState: 'ok', tokenError: null })
      .where(and(eq(accounts.id, id), eq(accounts.token, token), eq(accounts.tokenState, 'invalid')))
      .returning({ id: accounts.id });
    return this.changed(rows.length > 0);
  }

  async setUsername(id: string, username: string): Promise<void> {
    await this.db.update(accounts).set({ username }).where(eq(accounts.id, id));
    await this.changed(undefined);
  }
}
