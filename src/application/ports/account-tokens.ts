/** A token to call Graph with on behalf of one account. */
export interface AccountToken {
  accountId: string;
  token: string;
}

/**
 * What the Graph adapters need to call on behalf of an account: its token, and a way to tell
 * what Meta made of it. The token is read at each call, so a refresh or a new token takes
 * effect at once (also one added by `npm run accounts` while the service runs).
 */
export interface AccountTokens {
  /** The account's token; null when igbridge has no such account. */
  tokenOf(accountId: string): AccountToken | null;
  /** The token of the account the customer talks to (the most recent conversation); null when none has one. */
  tokenForCustomer(customerId: string): Promise<AccountToken | null>;
  /** Whether any account has a token (without one, no look-up is even tried). */
  any(): boolean;
  /** Meta answered 190 to a call made with this token: the account is marked invalid (resolved once stored) and the log says what to do. */
  rejected(used: AccountToken, reason: string): Promise<void>;
  /** Meta accepted this token: an invalid mark is cleared (resolved once stored; at once when there was none). */
  accepted(used: AccountToken): Promise<void>;
}
