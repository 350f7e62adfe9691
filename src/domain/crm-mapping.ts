/** The five fields every CRM row carries (SPEC §5), in the order igbridge writes them. */
export const REQUIRED_CRM_FIELDS = ['user_id', 'username', 'direction', 'message', 'created_at'] as const;
/** What a CRM table may also hold (SPEC §10): the Instagram mid, the account, attachments, change times. */
export const OPTIONAL_CRM_FIELDS = ['mid', 'account_id', 'attachments', 'edited_at', 'deleted_at'] as const;
export const CRM_FIELDS = [...REQUIRED_CRM_FIELDS, ...OPTIONAL_CRM_FIELDS] as const;

export type RequiredCrmField = (typeof REQUIRED_CRM_FIELDS)[number];
export type OptionalCrmField = (typeof OPTIONAL_CRM_FIELDS)[number];
export type CrmField = (typeof CRM_FIELDS)[number];

/** Which CRM column holds which igbridge field: the five required always, the optional ones when mapped. */
export type CrmColumns = Readonly<Record<RequiredCrmField, string> & Partial<Record<OptionalCrmField, string>>>;

/** How igbridge's messages land in the CRM's table (CRM_MYSQL_COLUMNS, _DIRECTION_VALUES, _UNSEND). */
export interface CrmMapping {
  columns: CrmColumns;
  /** The values written into the direction column for inbound and outbound messages. */
  directionValues: Readonly<{ in: string; out: string }>;
  /** With `mid` mapped: keep the text of an unsent message in the CRM, or blank it. */
  unsend: 'keep' | 'blank';
}

/** The seed's table: the five columns under their own names, `in`/`out`, nothing else. */
export const DEFAULT_CRM_MAPPING: CrmMapping = {
  columns: { user_id: 'user_id', username: 'username', direction: 'direction', message: 'message', created_at: 'created_at' },
  directionValues: { in: 'in', out: 'out' },
  unsend: 'keep',
};

/** The optional fields this mapping has no column for. */
export function lackingFields(mapping: CrmMapping): OptionalCrmField[] {
  return OPTIONAL_CRM_FIELDS.filter((field) => mapping.columns[field] === undefined);
}

/** What never reaches the CRM: reactions, edits and unsends (a new CRM row is never changed). */
export function localOnlyChanges(_mapping: CrmMapping): string[] {
  return ['reactions', 'edits', 'unsends'];
}

/**
 * SPEC §5/§10: the TODO a CRM failure log carries, naming exactly what this CRM table cannot
 * hold (computed from the mapping that start-up checked against the table).
 */
export function crmTodo(mapping: CrmMapping): string {
  const lacking = lackingFields(mapping);
  const local = localOnlyChanges(mapping);
  const columns = lacking.length === 0 ? 'the CRM table holds every igbridge field' : `the CRM table has no column for ${list(lacking)}`;
  const stand = lacking.includes('attachments') ? ' (attachments reach it only as a text stand-in)' : '';
  return `TODO: ${columns}${stand}; ${list(local)} stay in igbridge only`;
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
