import { describe, expect, it } from 'vitest';
import { crmDateTime, toCrmRow } from '../../src/adapters/mysql/crm-table.js';
import type { Message } from '../../src/domain/message.js';

const AT = Date.parse('2019-09-23T18:14:45.349Z');

describe('the CRM row of a message', () => {
  it('when formatted for the CRM, then created_at is UTC with exactly the column precision', () => {
    expect(crmDateTime(AT, 3)).toBe('2019-09-23 18:14:45.349');
    expect(crmDateTime(AT, 6)).toBe('2019-09-23 18:14:45.349');
    expect(crmDateTime(AT, 2)).toBe('2019-09-23 18:14:45.34');
    expect(crmDateTime(AT, 0)).toBe('2019-09-23 18:14:45');
  });

  it('when the username is unknown, then user_id stands in; an attachment-only message gets its stand-in text', () => {
    const message = { customerId: '6000000000000001', direction: 'out', text: null, attachments: [{ type: 'image', url: 'https://x/1.jpg' }], sentAt: AT } as Message;

    expect(toCrmRow(message, null, 3)).toEqual({
      userId: '6000000000000001',
      username: '6000000000000001',
      direction: 'out',
      message: '[image] https://x/1.jpg',
      createdAt: '2019-09-23 18:14:45.349',
    });
    expect(toCrmRow(message, 'alice', 3).username).toBe('alice');
  });
});
