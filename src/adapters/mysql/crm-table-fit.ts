import { CRM_FIELDS, crmTodo, lackingFields, type CrmField, type CrmMapping, type OptionalCrmField } from '../../domain/crm-mapping.js';
import { checkColumn, type CrmColumnInfo } from './crm-column-rules.js';

/** An index of the CRM table (information_schema.STATISTICS), its columns in order. */
export interface CrmIndexInfo {
  name: string;
  unique: boolean;
  columns: string[];
}

/**
 * How writes stay exactly once:
 * - `mid-unique`: `mid` is mapped to a column with a UNIQUE index → INSERT … ON DUPLICATE KEY UPDATE;
 * - `mid-check`: `mid` is mapped without one → a write with an unknown outcome is checked by mid;
 * - `natural-key`: no `mid` → checked by (user_id, direction, created_at, message).
 */
export type CrmIdempotency = 'mid-unique' | 'mid-check' | 'natural-key';

/** What start-up (and `npm run crm:check`) learnt about the CRM table under this mapping. */
export interface CrmTableFit {
  /** `database.table`. */
  table: string;
  fits: boolean;
  /** Misfits: each names the column; any → the mirror stays off. */
  errors: string[];
  warnings: string[];
  mapping: CrmMapping;
  /** The mapped columns as found. */
  columns: Partial<Record<CrmField, CrmColumnInfo>>;
  idempotency: CrmIdempotency;
  /** created_at's fractional digits (times are cut to them before sending). */
  fractionDigits: number;
  /** The message column's character set (byte-exact natural-key comparisons), when a plain name. */
  messageCharset: string | null;
  lacking: OptionalCrmField[];
  todo: string;
}

/** Pure: the verdict on a table (its columns and indexes) for a mapping. */
export function fitCrmTable(table: string, columns: CrmColumnInfo[], indexes: CrmIndexInfo[], mapping: CrmMapping): CrmTableFit {
  const errors: string[] = [];
  const warnings: string[] = [];
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const found: Partial<Record<CrmField, CrmColumnInfo>> = {};
  if (columns.length === 0) errors.push(`table ${table} not found (or not visible to this user)`);
  for (const field of CRM_FIELDS) {
    const wanted = mapping.columns[field];
    if (wanted === undefined || columns.length === 0) continue;
    const column = byName.get(wanted.toLowerCase());
    if (!column) {
      errors.push(`table ${table} has no column \`${wanted}\` (for ${field}${wanted === field ? '' : `, mapped in CRM_MYSQL_COLUMNS`})`);
      continue;
    }
    found[field] = column;
    const verdict = checkColumn(field, column, mapping);
    errors.push(...verdict.errors);
    warnings.push(...verdict.warnings);
  }
  const written = new Set(Object.values(mapping.columns).map((c) => c.toLowerCase()));
  for (const column of columns) {
    if (!written.has(column.name.toLowerCase()) && !column.nullable && !column.hasDefault && !column.autoIncrement && !column.generated) {
      warnings.push(`\`${column.name}\` (${column.columnType}) is NOT NULL without a default and igbridge does not write it: strict mode refuses every row`);
    }
  }
  const idempotency = idempotencyOf(found.mid, indexes, warnings);
  const fsp = found.created_at?.fsp;
  const charset = found.message?.charset;
  return {
    table,
    fits: errors.length === 0,
    errors,
    warnings,
    mapping,
    columns: found,
    idempotency,
    fractionDigits: fsp === null || fsp === undefined ? 3 : Number(fsp),
    messageCharset: charset && /^[a-z0-9]+$/i.test(charset) ? charset : null,
    lacking: lackingFields(mapping),
    todo: crmTodo(mapping),
  };
}

function idempotencyOf(mid: CrmColumnInfo | undefined, indexes: CrmIndexInfo[], warnings: string[]): CrmIdempotency {
  if (!mid) return 'natural-key';
  const name = mid.name.toLowerCase();
  const isMid = (index: CrmIndexInfo) => index.columns.length === 1 && index.columns[0].toLowerCase() === name;
  if (!indexes.some((index) => index.unique && isMid(index))) {
    const indexed = indexes.some((index) => index.columns[0]?.toLowerCase() === name);
    warnings.push(`\`${mid.name}\` (mid) has no UNIQUE index: a write with an unknown outcome is checked by mid before it is repeated${indexed ? '' : ', and without any index each check and each edit scans the table'}; a UNIQUE index makes every write idempotent`);
    return 'mid-check';
  }
  for (const other of indexes.filter((index) => index.unique && !isMid(index) && index.name !== 'PRIMARY')) {
    warnings.push(`unique key \`${other.name}\` (${other.columns.join(', ')}) also answers ON DUPLICATE KEY: a new message colliding with it would be dropped, not refused`);
  }
  return 'mid-unique';
}
