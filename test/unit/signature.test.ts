import { describe, expect, it } from 'vitest';
import { sign, signatureMatches } from '../../src/adapters/http/signature.js';
import { fixtureBytes } from '../support/fixtures.js';

describe('X-Hub-Signature-256', () => {
  it.each([
    ['YOUR_APP_SECRET', Buffer.from("Let's pretend this body is equal to the message object"), 'sha256=8d2c8fd74d3ac31eafd99563ac39107a45e5ea1d44831e291353193729d57f56'],
    ['test_app_secret', fixtureBytes('f1-text'), 'sha256=c33403998b401e85b253e9f7fbea89bc6298a133909398336a7907d44031b553'],
    ['test_app_secret', fixtureBytes('f2-unicode-text'), 'sha256=e893a4dca22361dde03f0bdcc4c5f2671dccc60fd4eb5398998c8acffa4113ec'],
  ])('when signing with %s, then the published test vector comes out', (secret, body, header) => {
    expect(sign(body, secret)).toBe(header);
    expect(signatureMatches(body, header, [secret])).toBe(true);
  });

  it('when any of several secrets signed the body, then it matches', () => {
    const body = fixtureBytes('f1-text');
    expect(signatureMatches(body, sign(body, 'second'), ['first', 'second'])).toBe(true);
  });

  it('when the hex is upper case, then it still matches', () => {
    const body = fixtureBytes('f1-text');
    expect(signatureMatches(body, sign(body, 's').toUpperCase().replace('SHA256', 'sha256'), ['s'])).toBe(true);
  });

  it.each([undefined, '', 'sha256=', 'sha256=zz', 'md5=abc', `sha256=${'0'.repeat(64)}`])('when the header is %s, then it does not match', (header) => {
    expect(signatureMatches(fixtureBytes('f1-text'), header, ['test_app_secret'])).toBe(false);
  });

  it('when no secret is configured, then nothing matches', () => {
    const body = fixtureBytes('f1-text');
    expect(signatureMatches(body, sign(body, ''), [])).toBe(false);
  });
});
