import { describe, expect, it } from 'vitest';
import { crmTodo, DEFAULT_CRM_MAPPING, lackingFields, type CrmMapping } from '../../src/domain/crm-mapping.js';

const withColumns = (columns: Record<string, string>, unsend: 'keep' | 'blank' = 'keep'): CrmMapping => ({
  ...DEFAULT_CRM_MAPPING,
  columns: { ...DEFAULT_CRM_MAPPING.columns, ...columns },
  unsend,
});

describe('the CRM TODO: what this CRM table cannot hold', () => {
  it('when the table is the seed table, then it names every optional field, and edits and unsends stay local', () => {
    expect(lackingFields(DEFAULT_CRM_MAPPING)).toEqual(['mid', 'account_id', 'attachments', 'edited_at', 'deleted_at']);
    expect(crmTodo(DEFAULT_CRM_MAPPING)).toBe(
      'TODO: the CRM table has no column for mid, account_id, attachments, edited_at and deleted_at (attachments reach it only as a text stand-in); ' +
        'reactions, edits and unsends stay in igbridge only',
    );
  });

  it('when mid and edited_at are mapped, then only the other fields are named', () => {
    const mapping = withColumns({ mid: 'external_id', edited_at: 'edited_at' });
    expect(crmTodo(mapping)).toBe(
      'TODO: the CRM table has no column for account_id, attachments and deleted_at (attachments reach it only as a text stand-in); reactions, edits and unsends stay in igbridge only',
    );
  });

  it('when every field is mapped, then only reactions stay local', () => {
    const all = withColumns({ mid: 'mid', account_id: 'acct', attachments: 'att', edited_at: 'e', deleted_at: 'd' });
    expect(crmTodo(all)).toBe('TODO: the CRM table holds every igbridge field; reactions, edits and unsends stay in igbridge only');
  });
});
