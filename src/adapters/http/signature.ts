import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/i;

/** `X-Hub-Signature-256` check: HMAC-SHA256 of the raw bytes with any configured app secret. */
export function signatureMatches(raw: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  const given = HEADER.exec(header?.trim() ?? '')?.[1];
  if (!given) return false;
  const expected = Buffer.from(given.toLowerCase(), 'hex');
  let match = false;
  for (const secret of secrets) {
    const actual = createHmac('sha256', secret).update(raw).digest();
    // Every secret is tried, so the time taken does not tell which one matched.
    match = timingSafeEqual(actual, expected) || match;
  }
  return match;
}

export function sign(raw: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

export function sameSecret(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'compare').update(given).digest();
  const b = createHmac('sha256', 'compare').update(expected).digest();
  return timingSafeEqual(a, b);
}
