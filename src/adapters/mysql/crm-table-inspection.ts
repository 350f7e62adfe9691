import type { CrmMapping } from '../../domain/crm-mapping.js';
import type { CrmColumnInfo } from './crm-column-rules.js';
import { fitCrmTable, type CrmIndexInfo, type CrmTableFit } from './crm-table-fit.js';

/** Runs one parameterised query and gives its rows (a mysql2 connection's `query`, unwrapped). */
export type CrmQuery = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

const COLUMNS = `SELECT COLUMN_NAME AS name, LOWER(DATA_TYPE) AS dataType, COLUMN_TYPE AS columnType,
  CHARACTER_MAXIMUM_LENGTH AS maxLength, DATETIME_PRECISION AS fsp, CHARACTER_SET_NAME AS charset,
  COLLATION_NAME AS collation, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`;

const INDEXES = `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS \`column\`
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`;

/**
 * SPEC §10: reads the CRM table's columns and indexes from information_schema and judges them
 * against the mapping (see `fitCrmTable`). Needs only the CRM user's own privileges.
 */
export async function inspectCrmTable(query: CrmQuery, database: string, table: string, mapping: CrmMapping): Promise<CrmTableFit> {
  const columns = (await query(COLUMNS, [database, table])).map(toColumn);
  const indexes = new Map<string, CrmIndexInfo>();
  for (const row of await query(INDEXES, [database, table])) {
    const name = String(row.name);
    const index = indexes.get(name) ?? { name, unique: Number(row.nonUnique) === 0, columns: [] };
    index.columns.push(String(row.column));
    indexes.set(name, index);
  }
  return fitCrmTable(`${database}.${table}`, columns, [...indexes.values()], mapping);
}

function toColumn(row: Record<string, unknown>): CrmColumnInfo {
  const extra = String(row.extra ?? '').toLowerCase();
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    name: String(row.name),
    dataType: String(row.dataType),
    columnType: String(row.columnType),
    maxLength: number(row.maxLength),
    fsp: number(row.fsp),
    charset: (row.charset as string | null) ?? null,
    collation: (row.collation as string | null) ?? null,
    nullable: row.nullable === 'YES',
    // MariaDB says 'NULL' for DEFAULT NULL and SQL NULL for no default; MySQL says NULL for both.
    hasDefault: row.dflt !== null && row.dflt !== undefined,
    autoIncrement: extra.includes('auto_increment'),
    generated: extra.includes('generated'),
  };
}
