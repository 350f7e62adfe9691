import { DomainError } from '../../domain/errors.js';

/** The account behind a token, as `GET /{v}/me?fields=user_id,username` names it. */
export interface TokenOwner {
  id: string;
  username: string | null;
}

export interface RefreshedToken {
  token: string;
  /** Seconds the new token is valid (Meta: 60 days). */
  expiresInS: number;
}

/** Meta answered 190: the token is invalid, expired or revoked. The message is Meta's, never the token. */
export class TokenRejected extends DomainError {
  constructor(message: string) {
    super('token_invalid', message);
    this.name = 'TokenRejected';
  }
}

/**
 * Meta's answers about tokens (SPEC §12). Throws TokenRejected on code 190, another DomainError
 * when Meta cannot be reached or answers something else; `signal` aborts the call (shutdown).
 */
export interface AccountGraph {
  /** Who the token belongs to. */
  owner(token: string, signal?: AbortSignal): Promise<TokenOwner>;
  /** `GET /refresh_access_token?grant_type=ig_refresh_token`: a new token for one at least 24 h old. */
  refresh(token: string, signal?: AbortSignal): Promise<RefreshedToken>;
}
