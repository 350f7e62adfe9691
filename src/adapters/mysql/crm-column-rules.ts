import type { CrmField, CrmMapping } from '../../domain/crm-mapping.js';

/** One column of the CRM table as information_schema.COLUMNS describes it. */
export interface CrmColumnInfo {
  name: string;
  /** DATA_TYPE, lower case: varchar, text, enum, bigint, datetime, … */
  dataType: string;
  /** COLUMN_TYPE: varchar(64), enum('in','out'), tinyint(1) unsigned, … */
  columnType: string;
  /** CHARACTER_MAXIMUM_LENGTH (characters) for text types. */
  maxLength: number | null;
  /** DATETIME_PRECISION: fractional digits of a DATETIME/TIMESTAMP. */
  fsp: number | null;
  charset: string | null;
  collation: string | null;
  nullable: boolean;
  hasDefault: boolean;
  autoIncrement: boolean;
  generated: boolean;
}

export interface ColumnVerdict {
  errors: string[];
  warnings: string[];
}

const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json']);
const INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const TIME = new Set(['datetime', 'timestamp']);
/** Meta's ids (IGSIDs, account ids) have 16–17 digits today; igbridge accepts up to 32 (SPEC §9). */
const ID_TODAY = 17;
const ID_MAX = 32;
/** Instagram message ids run to about 150 characters. */
const MID_SHORTEST = 64;
const MID_SAFE = 191;

/** Whether a column of this field fits, and what to know about it. Every sentence names the column. */
export function checkColumn(field: CrmField, column: CrmColumnInfo, mapping: CrmMapping): ColumnVerdict {
  const verdict: ColumnVerdict = { errors: [], warnings: [] };
  const { errors, warnings } = verdict;
  const name = `\`${column.name}\` (${field}, ${column.columnType})`;
  const text = TEXT.has(column.dataType);
  if (column.generated) errors.push(`${name} is a generated column: igbridge cannot write it`);
  switch (field) {
    case 'user_id':
    case 'account_id':
      if (text && (column.maxLength ?? 0) < ID_TODAY) errors.push(`${name} holds ${column.maxLength} characters: Instagram ids have up to ${ID_TODAY} digits today`);
      else if (text && (column.maxLength ?? 0) < ID_MAX) warnings.push(`${name} holds ${column.maxLength} characters: ids longer than that (igbridge accepts up to ${ID_MAX} digits) would be refused`);
      else if (!text && column.dataType !== 'bigint') errors.push(`${name} cannot hold an Instagram id: use VARCHAR(32) or BIGINT`);
      break;
    case 'username':
      if (!text) errors.push(`${name} is not a text column`);
      else if ((column.maxLength ?? 0) < 30) warnings.push(`${name} holds ${column.maxLength} characters: Instagram usernames have up to 30`);
      break;
    case 'direction':
      errors.push(...directionProblems(name, column, mapping.directionValues));
      break;
    case 'message':
    case 'attachments':
      if (!text) errors.push(`${name} is not a text column`);
      else if (column.maxLength !== null && column.maxLength < 1000) warnings.push(`${name} holds ${column.maxLength} characters: longer ${field === 'message' ? 'messages' : 'attachment lists'} are refused (strict mode) or cut`);
      break;
    case 'created_at':
    case 'edited_at':
    case 'deleted_at':
      if (!TIME.has(column.dataType)) errors.push(`${name} is not a DATETIME or TIMESTAMP column`);
      else if (field === 'created_at' && (column.fsp ?? 0) < 3) warnings.push(`${name} keeps ${column.fsp ?? 0} fractional digits: message times lose their milliseconds`);
      else if (field !== 'created_at' && !column.nullable) errors.push(`${name} is NOT NULL: a message never edited or unsent has no ${field}`);
      break;
    case 'mid':
      if (!text) errors.push(`${name} is not a text column: Instagram message ids are strings`);
      else if ((column.maxLength ?? 0) < MID_SHORTEST) errors.push(`${name} holds ${column.maxLength} characters: Instagram message ids run to about 150`);
      else if ((column.maxLength ?? 0) < MID_SAFE) warnings.push(`${name} holds ${column.maxLength} characters: Instagram message ids run to about 150, a longer one would be refused`);
      if (text && column.collation && !/_bin$/i.test(column.collation)) {
        warnings.push(`${name} compares with ${column.collation}, which ignores letter case: two message ids differing only in case would be taken for one (a _bin collation is exact)`);
      }
      break;
  }
  if (text && column.charset && column.charset.toLowerCase() !== 'utf8mb4' && ['message', 'username', 'attachments'].includes(field)) {
    warnings.push(`${name} is ${column.charset}, not utf8mb4: messages with emoji${column.charset.startsWith('utf8') ? '' : ' (and most non-Latin text)'} will be refused`);
  }
  return verdict;
}

function directionProblems(name: string, column: CrmColumnInfo, values: CrmMapping['directionValues']): string[] {
  const both = [values.in, values.out];
  const shown = `CRM_MYSQL_DIRECTION_VALUES=${both.join(',')}`;
  if (column.dataType === 'enum') {
    const allowed = [...column.columnType.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
    const absent = both.filter((v) => !allowed.includes(v));
    return absent.length === 0 ? [] : [`${name} does not allow ${absent.map((v) => `'${v}'`).join(' or ')}: set ${shown.split('=')[0]} to two of ${allowed.join(', ')}`];
  }
  if (INTEGER.has(column.dataType)) {
    return both.every((v) => /^-?\d{1,3}$/.test(v)) ? [] : [`${name} is a number column: ${shown} must be two numbers (e.g. 0,1)`];
  }
  if (TEXT.has(column.dataType)) {
    const longest = Math.max(...both.map((v) => v.length));
    return (column.maxLength ?? 0) >= longest ? [] : [`${name} holds ${column.maxLength} characters: ${shown} needs ${longest}`];
  }
  return [`${name} cannot hold a direction: use ENUM, VARCHAR or a number column`];
}
