/** SPEC §12: an Instagram professional account igbridge serves, with its access token. */

/** What igbridge knows of a token: `ok`, `expiring` (under TOKEN_WARN_DAYS left), `invalid` (Meta said 190, or it expired). */
export type TokenState = 'ok' | 'expiring' | 'invalid';

export interface Account {
  /** Meta's IG_ID of the account: what webhooks carry as `entry[].id`. */
  id: string;
  username: string | null;
  /** The Instagram User access token: never logged, never in an API answer. */
  token: string;
  /** Set when Meta refused the token (code 190, or a refresh that said so); null while it works. */
  tokenError: string | null;
  /** When igbridge got this token (added, given in the env, or refreshed): its age decides the refresh. */
  tokenAt: number;
  /** When the token expires (known after the first refresh); null when not known. */
  expiresAt: number | null;
  refreshedAt: number | null;
  addedAt: number;
}

/** An account as every store keeps it (`accounts`: `token_state` ok/invalid, `token_error` why). */
export interface StoredAccount extends Omit<Account, 'tokenError'> {
  tokenState: 'ok' | 'invalid';
  tokenError: string | null;
}

export function accountFromStore(row: StoredAccount): Account {
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

/** A token is refreshed at most this young: Meta refuses to refresh one under 24 hours old. */
export const MIN_REFRESH_AGE_MS = 24 * 3_600_000;

export function tokenState(account: Pick<Account, 'tokenError' | 'expiresAt'>, now: number, warnMs: number): TokenState {
  if (account.tokenError !== null || (account.expiresAt !== null && account.expiresAt <= now)) return 'invalid';
  if (account.expiresAt !== null && account.expiresAt - now < warnMs) return 'expiring';
  return 'ok';
}

/** Whether the token is due for a refresh: old enough for Meta (24 h) and for TOKEN_REFRESH_H, and still usable. */
export function refreshDue(account: Account, now: number, refreshMs: number): boolean {
  if (tokenState(account, now, 0) === 'invalid') return false;
  return now - account.tokenAt >= Math.max(MIN_REFRESH_AGE_MS, refreshMs);
}

/** How a person names the account: `@username (id)`, or the id alone. */
export function accountName(account: Pick<Account, 'id' | 'username'>): string {
  return account.username ? `@${account.username} (${account.id})` : account.id;
}

/** What to do about a token that is not `ok`, said for the person reading the log or the inbox. */
export function tokenAdvice(account: Pick<Account, 'id' | 'username' | 'tokenError' | 'expiresAt'>, state: TokenState, now: number): string | null {
  const name = accountName(account);
  const add = 'generate a new long-lived Instagram User token (instagram_business_basic, instagram_business_manage_messages) and run: npm run accounts -- add --token <new token>';
  if (state === 'invalid') {
    const why = account.tokenError ?? `it expired on ${new Date(account.expiresAt!).toISOString()}`;
    return `Instagram account ${name}: the access token no longer works (${why}). Sending, username look-ups and history for this account fail until you ${add} (or change IG_ACCESS_TOKEN if it came from there and restart).`;
  }
  if (state === 'expiring') {
    const days = Math.max(0, Math.floor((account.expiresAt! - now) / 86_400_000));
    return `Instagram account ${name}: the access token expires on ${new Date(account.expiresAt!).toISOString()} (${days} day${days === 1 ? '' : 's'} left) and igbridge could not refresh it. Check the log for the refresh error; if it persists, ${add}.`;
  }
  return null;
}
