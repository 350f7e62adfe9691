/** An entity-tag in a header list: `"opaque"` or `W/"opaque"`. */
const ENTITY_TAG = /(?:W\/)?("[^"]*")/g;

/**
 * Whether `If-None-Match` names `etag` (RFC 9110 §13.1.2): `*`, or a list of entity-tags one of
 * which is `etag` under the weak comparison (a `W/` prefix ignored). A request's
 * `Cache-Control: no-cache` does not enter into it: it is an instruction to caches, and `fetch`
 * adds it to every request that sets its own If-None-Match.
 */
export function ifNoneMatchNames(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  for (const [, opaque] of header.matchAll(ENTITY_TAG)) if (opaque === etag) return true;
  return false;
}
