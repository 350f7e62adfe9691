import type { Cursor } from '../../application/ports/conversation-reader.js';
import { isMetaId, META_ID_RULE } from '../../domain/meta-id.js';
import { HttpError } from './http-error.js';
import { LIMIT } from './schemas/query-params.js';

export type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new HttpError(400, 'invalid_query', `${name} must be given once`);
  return value === '' ? undefined : value;
}

export function limitParam(query: Query, fallback = LIMIT.default, max = LIMIT.maximum): number {
  const raw = single(query, 'limit');
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < LIMIT.minimum || value > max) {
    throw new HttpError(400, 'invalid_query', `limit must be a whole number from ${LIMIT.minimum} to ${max}`);
  }
  return value;
}

/** `before`: an ISO date, milliseconds, or a `next_before` cursor (`<ms>_<id>`) from a previous page. */
export function beforeParam(query: Query): Cursor | null {
  const raw = single(query, 'before');
  if (raw === undefined) return null;
  const cursor = /^(\d+)_(\d+)$/.exec(raw);
  if (cursor) return { sentAt: Number(cursor[1]), id: Number(cursor[2]) };
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms) || !Number.isSafeInteger(ms)) {
    throw new HttpError(400, 'invalid_query', 'before must be an ISO date, milliseconds, or a next_before cursor');
  }
  return { sentAt: ms, id: 0 };
}

export function cursorString(cursor: Cursor | null): string | null {
  return cursor ? `${cursor.sentAt}_${cursor.id}` : null;
}

/** `account_id`: one of the accounts (a Meta id); null when not given. */
export function accountParam(query: Query): string | null {
  const raw = single(query, 'account_id');
  if (raw === undefined) return null;
  if (!isMetaId(raw)) throw new HttpError(400, 'invalid_query', `account_id must be an Instagram account id (${META_ID_RULE}); GET /api/accounts lists them`);
  return raw;
}
