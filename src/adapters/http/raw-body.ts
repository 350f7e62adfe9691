import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';
import type { InflightLease } from './inflight-budget.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Past this much a too-large body is no longer drained politely: the socket is cut. */
const DRAIN_LIMIT = 16 * MAX_BODY_BYTES;
/** The header of an answer whose connection is not kept. */
const CLOSE = { Connection: 'close' };
/** Deeper JSON is refused before anything walks it recursively (Meta's payloads are ~8 deep). */
export const MAX_JSON_DEPTH = 64;

export interface BodyLimits {
  maxBytes: number;
  /** The whole body must have arrived by then (HTTP_BODY_TIMEOUT_S) → 408. */
  timeoutMs: number;
  /** A share of the in-flight budget, grown as bytes are buffered → 503 when it has no room. */
  lease?: InflightLease;
}

/**
 * The request body exactly as it arrived: the signature covers these bytes, so this runs
 * before any JSON parsing. A body over the limit is drained (so the client can read the 413)
 * but never buffered. A body that stops arriving, or is cut off, is an error answer naming
 * that — never a 500.
 */
export function readRawBody(req: IncomingMessage, { maxBytes, timeoutMs, lease }: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (lease && Number.isSafeInteger(declared) && declared <= maxBytes && !lease.growTo(declared)) return Promise.reject(overloaded());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: HttpError | null) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('aborted', onAborted).off('error', onAborted).off('close', onAborted);
      if (error) reject(error);
      else if (size > maxBytes) reject(new HttpError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes`));
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) {
        req.destroy();
        finish(new HttpError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes`));
      } else if (size <= maxBytes) {
        if (lease && !lease.growTo(size)) finish(overloaded());
        else chunks.push(chunk);
      }
    };
    const onEnd = () => finish(null);
    // A body that broke off or stopped coming may never end: its connection is not kept for it.
    const onAborted = () => finish(new HttpError(400, 'incomplete_body', `the body ended after ${size} bytes, before it was complete`, undefined, CLOSE));
    const timer = setTimeout(() => finish(new HttpError(408, 'body_timeout', `the body did not arrive within ${timeoutMs / 1000} s`, undefined, CLOSE)), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('aborted', onAborted).on('error', onAborted).on('close', onAborted);
  });
}

function overloaded(): HttpError {
  return new HttpError(503, 'overloaded', 'too many request bodies are being received at once; retry shortly', undefined, { 'Retry-After': '1' });
}

/** The raw body as JSON; anything else is a 400 `malformed_json` saying why. */
export function parseJson(raw: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const deep = pathDeeperThan(value, MAX_JSON_DEPTH);
  if (deep !== null) throw new HttpError(400, 'invalid_payload', `${deep} nests deeper than ${MAX_JSON_DEPTH} levels`, { path: deep });
  return value;
}

/**
 * The path of the first value nested deeper than `max` levels, or null; walked without
 * recursion. On every webhook's path, so it allocates one small node per nested value and
 * spells the path only when it found one.
 */
export function pathDeeperThan(value: unknown, max: number): string | null {
  type Node = { value: object; depth: number; key: string | number; parent: Node | null };
  if (typeof value !== 'object' || value === null) return null;
  const stack: Node[] = [{ value, depth: 0, key: '', parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.depth > max) return pathOf(node);
    const depth = node.depth + 1;
    if (Array.isArray(node.value)) {
      for (let i = 0; i < node.value.length; i++) {
        const inner: unknown = node.value[i];
        if (typeof inner === 'object' && inner !== null) stack.push({ value: inner, depth, key: i, parent: node });
      }
    } else {
      for (const key of Object.keys(node.value)) {
        const inner: unknown = (node.value as Record<string, unknown>)[key];
        if (typeof inner === 'object' && inner !== null) stack.push({ value: inner, depth, key, parent: node });
      }
    }
  }
  return null;
}

function pathOf(node: { key: string | number; parent: unknown }): string {
  let path = '';
  for (let at = node; at.parent; at = at.parent as typeof node) path = (typeof at.key === 'number' ? `[${at.key}]` : `.${at.key}`) + path;
  return path.replace(/^\./, '') || 'body';
}
