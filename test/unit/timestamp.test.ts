import { describe, expect, it } from 'vitest';
import { toMillis } from '../../src/domain/timestamp.js';
import { crmText } from '../../src/domain/message.js';

describe('toMillis', () => {
  it.each([
    [1569262485349, 1569262485349],
    ['1527459824', 1527459824000],
    [1527459824, 1527459824000],
    ['1569262485349', 1569262485349],
  ])('when given %s, then %s ms', (input, expected) => {
    expect(toMillis(input)).toBe(expected);
  });

  it.each(['soon', '', '-5', Number.NaN, -1, '1e5'])('when given %s, then null', (input) => {
    expect(toMillis(input as never)).toBeNull();
  });
});

describe('crmText', () => {
  it('when a message has text, then the text', () => {
    expect(crmText({ text: 'hi', attachments: [] })).toBe('hi');
  });

  it('when a message has only attachments, then a readable stand-in per attachment', () => {
    expect(crmText({ text: null, attachments: [{ type: 'image', url: 'https://x/1.jpg' }, { type: 'unsupported', url: null }] })).toBe(
      '[image] https://x/1.jpg\n[unsupported]',
    );
  });
});
