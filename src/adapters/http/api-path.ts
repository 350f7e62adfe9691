/** How many rounds of percent-decoding are undone (`%2561` → `%61` → `a`). */
const DECODE_ROUNDS = 3;

/**
 * Whether a request path is `/api` or below it once every disguise is taken off: percent-
 * encoding, letter case, backslashes, repeated slashes, `.` and `..` segments, `;` parameters.
 * Routing itself is exact (case-sensitive, strict), so any disguised path is a 404 — but the
 * bearer is checked first, on this wider net, so no spelling reaches an `/api` handler
 * without it.
 */
export function isApiPath(path: string): boolean {
  let decoded = path;
  for (let round = 0; round < DECODE_ROUNDS && decoded.includes('%'); round++) {
    decoded = decoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
  const segments: string[] = [];
  for (const segment of decoded.replaceAll('\\', '/').split('/')) {
    const name = segment.split(';')[0]!.trim().toLowerCase();
    if (name === '' || name === '.') continue;
    if (name === '..') segments.pop();
    else segments.push(name);
  }
  return segments[0] === 'api';
}
