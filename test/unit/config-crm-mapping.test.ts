import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_CRM_MAPPING } from '../../src/domain/crm-mapping.js';

describe('loadConfig: fitting the CRM table (SPEC §10)', () => {
  it('when no mapping variable is set, then the seed table is the mapping: five columns under their names, in/out, keep', () => {
    expect(loadConfig({}).crm.mapping).toEqual({
      columns: { user_id: 'user_id', username: 'username', direction: 'direction', message: 'message', created_at: 'created_at' },
      directionValues: { in: 'in', out: 'out' },
      unsend: 'keep',
    });
    expect(loadConfig({ CRM_MYSQL_COLUMNS: ' ', CRM_MYSQL_DIRECTION_VALUES: '' }).crm.mapping).toEqual(DEFAULT_CRM_MAPPING);
  });

  it('when columns are renamed and optional fields mapped, then the others keep their names', () => {
    const config = loadConfig({
      CRM_MYSQL_COLUMNS: 'user_id=ig_user_id, message = body ,created_at=sent_at,mid=external_id,edited_at=edited_at',
      CRM_MYSQL_DIRECTION_VALUES: 'inbound, outbound',
      CRM_MYSQL_UNSEND: 'BLANK',
    });

    expect(config.crm.mapping).toEqual({
      columns: {
        user_id: 'ig_user_id', username: 'username', direction: 'direction', message: 'body', created_at: 'sent_at',
        mid: 'external_id', edited_at: 'edited_at',
      },
      directionValues: { in: 'inbound', out: 'outbound' },
      unsend: 'blank',
    });
    expect(Object.isFrozen(config.crm.mapping.columns)).toBe(true);
  });

  it.each([
    ['CRM_MYSQL_COLUMNS', 'body', /"body" is not field=column/],
    ['CRM_MYSQL_COLUMNS', 'text=body', /unknown field "text" \(fields: user_id, username/],
    ['CRM_MYSQL_COLUMNS', 'message=body,message=text', /field "message" is mapped twice/],
    ['CRM_MYSQL_COLUMNS', 'message=body;drop', /plain column name/],
    ['CRM_MYSQL_COLUMNS', 'message=', /plain column name/],
    ['CRM_MYSQL_COLUMNS', 'mid=username', /fields "username" and "mid" both map to column "username"/],
    ['CRM_MYSQL_DIRECTION_VALUES', 'inbound', /two values, inbound first/],
    ['CRM_MYSQL_DIRECTION_VALUES', 'a,b,c', /two values/],
    ['CRM_MYSQL_DIRECTION_VALUES', 'x,x', /must differ/],
    ['CRM_MYSQL_UNSEND', 'delete', /must be keep or blank, got "delete"/],
  ])('when %s=%s, then start-up stops naming the variable and the problem', (name, value, problem) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
    expect(() => loadConfig({ [name]: value })).toThrow(problem);
  });
});
