import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Past this much a too-large body is no longer drained politely: the socket is cut. */
const DRAIN_LIMIT = 16 * MAX_BODY_BYTES;

/**
 * The request body exactly as it arrived: the signature covers these bytes, so this runs
 * before any JSON parsing. A body over the limit is drained (so the client can read the 413)
 * but never buffered.
 */
export async function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DRAIN_LIMIT) {
      req.destroy();
      break;
    }
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new HttpError(413, 'payload_too_large', `the body is larger than ${limit} bytes`);
  return Buffer.concat(chunks, size);
}

/** The raw body as JSON; anything else is a 400 `malformed_json` saying why. */
export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
}
