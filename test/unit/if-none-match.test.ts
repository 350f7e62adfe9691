import { describe, expect, it } from 'vitest';
import { ifNoneMatchNames } from '../../src/adapters/http/if-none-match.js';

describe('If-None-Match (RFC 9110 §13.1.2)', () => {
  const tag = '"abc.def.0.3"';

  it('when the header names the tag, strongly or weakly, alone or in a list, then it matches', () => {
    expect(ifNoneMatchNames(tag, tag)).toBe(true);
    expect(ifNoneMatchNames(`W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchNames(`"x", W/"y",${tag}`, tag)).toBe(true);
    expect(ifNoneMatchNames(' * ', tag)).toBe(true);
  });

  it('when the header is absent, empty, malformed or names other tags, then it does not', () => {
    expect(ifNoneMatchNames(undefined, tag)).toBe(false);
    expect(ifNoneMatchNames('', tag)).toBe(false);
    expect(ifNoneMatchNames('abc.def.0.3', tag)).toBe(false);
    expect(ifNoneMatchNames('"abc.def.0.30"', tag)).toBe(false);
    expect(ifNoneMatchNames('"x", "y"', tag)).toBe(false);
    expect(ifNoneMatchNames('*, "x"', tag)).toBe(false);
  });
});
