import { DomainError } from '../../../domain/errors.js';
import { isMetaId, META_ID_RULE } from '../../../domain/meta-id.js';
import { toMillis } from '../../../domain/timestamp.js';

/** Small readers for Meta's JSON: each names the path of the value it rejects. */
export type Json = Record<string, unknown>;

/** Instagram caps a DM at 1,000 characters; 64 KiB is what a CRM `TEXT` column holds. */
export const MAX_TEXT_BYTES = 65_535;
const MAX_ID_LENGTH = 256;
const MAX_URL_LENGTH = 8_192;
/** Meta's items are about 5 levels deep; far deeper ones would overflow JSON.stringify's stack. */
export const MAX_ITEM_DEPTH = 32;

export function fail(path: string, problem: string): never {
  throw new DomainError('invalid_payload', `${path} ${problem}`, { path });
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object(value: unknown, path: string): Json {
  if (!isObject(value)) fail(path, 'must be an object');
  return value;
}

export function optionalArray(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(path, 'must be an array');
  return value;
}

export function id(value: unknown, path: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || value.length === 0) fail(path, 'must be a non-empty string');
  if (value.length > MAX_ID_LENGTH) fail(path, `must be at most ${MAX_ID_LENGTH} characters`);
  return wellFormed(value);
}

/** A Meta id (IGSID, account id): 1–32 ASCII digits, as a string or a whole JSON number. */
export function metaId(value: unknown, path: string): string {
  const asText = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof asText !== 'string' || !isMetaId(asText)) fail(path, `must be a Meta id (${META_ID_RULE})`);
  return asText;
}

export function text(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (Buffer.byteLength(value, 'utf8') > MAX_TEXT_BYTES) fail(path, `must be at most ${MAX_TEXT_BYTES} bytes`);
  if (value.includes('\u0000')) fail(path, 'must not contain NUL characters');
  return wellFormed(value);
}

export function optionalText(value: unknown, path: string): string | null {
  return value === undefined || value === null ? null : text(value, path);
}

export function url(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (value.length > MAX_URL_LENGTH) fail(path, `must be at most ${MAX_URL_LENGTH} characters`);
  return wellFormed(value);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * JSON may carry lone surrogates (`"\ud800"`); SQLite would keep them as bytes that are not
 * UTF-8 and MySQL's utf8mb4 refuses them. They become U+FFFD, as bad UTF-8 bytes already do
 * when the body is decoded (String.prototype.toWellFormed, which ES2023 typings lack).
 */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd');
}

export function millis(value: unknown, path: string): number {
  const ms = typeof value === 'number' || typeof value === 'string' ? toMillis(value) : null;
  if (ms === null || ms > 8.64e15) fail(path, 'must be a timestamp in milliseconds or seconds');
  return ms;
}

export function flag(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
  return value;
}

/** True when objects and arrays nest deeper than `max` levels (checked without recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next.depth > max) return true;
    for (const inner of Object.values(next.value as object)) {
      if (typeof inner === 'object' && inner !== null) stack.push({ value: inner, depth: next.depth + 1 });
    }
  }
  return false;
}
