import type { Account } from '../../domain/account.js';

/** A token given to igbridge for an account: by `npm run accounts -- add`, or in IG_ACCESS_TOKEN (`envTokenHash`). */
export interface GivenToken {
  id: string;
  username: string | null;
  token: string;
  at: number;
  /** Set for the env pair: the SHA-256 of IG_ACCESS_TOKEN; null for a token added by the CLI. */
  envTokenHash: string | null;
}

/**
 * Where the accounts and their tokens are kept (SQLite `accounts`). The reads are synchronous:
 * every delivery asks whose it is, so they answer from the accounts held in memory, loaded by
 * `open()` and kept current by the store. Every write is one atomic statement and resolves once
 * it is committed, after which the reads show it.
 */
export interface AccountStore {
  /** Loads the accounts the reads answer from; awaited once, before the first read (Lifecycle.open). */
  open(): Promise<void>;
  /**
   * Re-reads the accounts, for a store shared with other processes or instances; the SQLite
   * store reloads itself when PRAGMA data_version changes, so there reload is cheap.
   */
  reload(): Promise<void>;
  list(): readonly Account[];
  get(id: string): Account | null;
  /** The account the env token with this hash was last applied to. */
  byEnvTokenHash(hash: string): Account | null;
  /** Adds the account, or gives it this token (usable again, expiry unknown, the username kept when none is given); true when new. */
  saveToken(given: GivenToken): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  /** A refresh's answer, saved only if the account still has `oldToken` (token and expiry in one write); false otherwise. */
  saveRefreshed(id: string, oldToken: string, newToken: string, expiresAt: number, at: number): Promise<boolean>;
  /** Meta refused `token`: marks it invalid (if it is still the account's and not already so); true when the state changed. */
  markInvalid(id: string, token: string, reason: string): Promise<boolean>;
  /** Meta accepted `token` after all: clears an invalid mark; true when the state changed. */
  markValid(id: string, token: string): Promise<boolean>;
  setUsername(id: string, username: string): Promise<void>;
}
