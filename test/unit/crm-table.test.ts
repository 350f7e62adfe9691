import { describe, expect, it } from 'vitest';
import { crmDateTime, toCrmRow, writtenFields } from '../../src/adapters/mysql/crm-table.js';
import { loadConfig } from '../../src/config.js';
import type { Message } from '../../src/domain/message.js';

const AT = Date.parse('2019-09-23T18:14:45.349Z');
const SEED = loadConfig({}).crm.mapping;
const RENAMED = loadConfig({
  CRM_MYSQL_COLUMNS: 'user_id=ig_user_id,message=body,mid=external_id,account_id=acct,attachments=att,edited_at=edited_at,deleted_at=gone_at',
  CRM_MYSQL_DIRECTION_VALUES: '0,1',
  CRM_MYSQL_UNSEND: 'blank',
}).crm.mapping;

const message = (changes: Partial<Message> = {}) => ({
  mid: 'm.1', accountId: '17841400000000001', customerId: '6000000000000001', direction: 'out', text: null,
  attachments: [{ type: 'image', url: 'https://x/1.jpg' }], sentAt: AT, editedAt: null, deletedAt: null, ...changes,
}) as Message;

describe('the CRM row of a message', () => {
  it('when formatted for the CRM, then created_at is UTC with exactly the column precision', () => {
    expect(crmDateTime(AT, 3)).toBe('2019-09-23 18:14:45.349');
    expect(crmDateTime(AT, 6)).toBe('2019-09-23 18:14:45.349');
    expect(crmDateTime(AT, 2)).toBe('2019-09-23 18:14:45.34');
    expect(crmDateTime(AT, 0)).toBe('2019-09-23 18:14:45');
  });

  it('when the username is unknown, then user_id stands in; an attachment-only message gets its stand-in text', () => {
    const row = toCrmRow(message(), null, SEED, { created_at: 3 });

    expect(writtenFields(SEED).map((field) => [field, row[field]])).toEqual([
      ['user_id', '6000000000000001'],
      ['username', '6000000000000001'],
      ['direction', 'out'],
      ['message', '[image] https://x/1.jpg'],
      ['created_at', '2019-09-23 18:14:45.349'],
    ]);
    expect(toCrmRow(message(), 'alice', SEED).username).toBe('alice');
  });

  it('when the mapping has optional fields and its own direction values, then they are written in the columns order', () => {
    const row = toCrmRow(message({ text: 'new text', editedAt: AT + 1000 }), 'alice', RENAMED, { created_at: 0, edited_at: 3 });

    expect(writtenFields(RENAMED).map((field) => [field, row[field]])).toEqual([
      ['user_id', '6000000000000001'],
      ['username', 'alice'],
      ['direction', '1'],
      ['message', 'new text\n[image] https://x/1.jpg'],
      ['created_at', '2019-09-23 18:14:45'],
      ['mid', 'm.1'],
      ['account_id', '17841400000000001'],
      ['attachments', '[{"type":"image","url":"https://x/1.jpg"}]'],
      ['edited_at', '2019-09-23 18:14:46.349'],
      ['deleted_at', null],
    ]);
  });

  it('when an unsent message is written with CRM_MYSQL_UNSEND=blank and a mid column, then its text is blank; without a mid column it is kept', () => {
    const unsent = message({ text: 'oops', attachments: [], deletedAt: AT + 5 });

    expect(toCrmRow(unsent, null, RENAMED)).toMatchObject({ message: '', deleted_at: '2019-09-23 18:14:45.354' });
    expect(toCrmRow(unsent, null, { ...SEED, unsend: 'blank' }).message).toBe('oops');
  });
});
