import { mysqlTable, text, varchar, type MySqlColumn, type MySqlTableWithColumns } from 'drizzle-orm/mysql-core';
import { CRM_FIELDS, type CrmColumns, type CrmField, type CrmMapping } from '../../domain/crm-mapping.js';
import { crmText, type Message } from '../../domain/message.js';

const column = (field: CrmField, name: string) => (field === 'message' ? text(name) : varchar(name, { length: 255 }));
type CrmTableColumns = { [F in CrmField]: ReturnType<typeof column> };

/** The CRM table as Drizzle sees it; a field the mapping leaves out has no column (`columnOf` says so). */
export type CrmTable = MySqlTableWithColumns<{ name: string; schema: undefined; dialect: 'mysql'; columns: { [F in CrmField]: MySqlColumn } }>;

/**
 * The CRM table as Drizzle sees it: its name from CRM_MYSQL_TABLE, its columns from
 * CRM_MYSQL_COLUMNS, keyed by igbridge field (so a `CrmRow` is a row of it). Only the mapped
 * fields are columns: the table's other columns are never touched, and an unmapped field is no
 * column at all in Drizzle's statements. The types are declared loosely (times as text, since we
 * send them pre-formatted, see `crmDateTime`): the table's real ones are checked by `validate()`.
 */
export function crmTable(name: string, columns: CrmColumns): CrmTable {
  const mapped = CRM_FIELDS.filter((field) => columns[field] !== undefined).map((field) => [field, column(field, columns[field]!)]);
  return mysqlTable(name, Object.fromEntries(mapped) as CrmTableColumns) as unknown as CrmTable;
}

/** The column of a mapped field; throws for a field the mapping leaves out (a programming error). */
export function columnOf(table: CrmTable, field: CrmField): MySqlColumn {
  const found = (table as unknown as Partial<Record<CrmField, MySqlColumn>>)[field];
  if (!found) throw new Error(`the CRM mapping has no column for ${field}`);
  return found;
}

/** What a CRM row gets, by igbridge field; only the mapped fields are written. */
export type CrmRow = Record<CrmField, string | null>;

/** The fractional digits each time column keeps (created_at, edited_at, deleted_at). */
export type CrmTimePrecision = Partial<Record<'created_at' | 'edited_at' | 'deleted_at', number>>;

/**
 * A time as a UTC literal with exactly the column's fractional digits. Sending more digits than
 * the column keeps would let MySQL round (MariaDB truncates), and then the natural-key check of
 * an in-doubt retry would not find the row it wrote: so we cut first.
 */
export function crmDateTime(ms: number, fractionDigits: number): string {
  const iso = new Date(ms).toISOString(); // 2019-09-23T18:14:45.349Z
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const digits = Math.max(0, Math.min(3, fractionDigits));
  return digits === 0 ? base : `${base}.${iso.slice(20, 20 + digits)}`;
}

/** SPEC §5/§10: one CRM row per message, keyed to the customer in both directions, in the mapping's values. */
export function toCrmRow(message: Message, username: string | null, mapping: CrmMapping, precision: CrmTimePrecision = {}): CrmRow {
  const time = (ms: number | null, field: keyof CrmTimePrecision) => (ms === null ? null : crmDateTime(ms, precision[field] ?? 3));
  const blank = message.deletedAt !== null && mapping.unsend === 'blank' && mapping.columns.mid !== undefined;
  return {
    user_id: message.customerId,
    username: username ?? message.customerId,
    direction: mapping.directionValues[message.direction],
    message: blank ? '' : crmText(message),
    created_at: time(message.sentAt, 'created_at'),
    mid: message.mid,
    account_id: message.accountId,
    attachments: JSON.stringify(message.attachments.map(({ type, url }) => ({ type, url }))),
    edited_at: time(message.editedAt, 'edited_at'),
    deleted_at: time(message.deletedAt, 'deleted_at'),
  };
}

/** The mapped fields in write order: the five, then the optional ones the table has. */
export function writtenFields(mapping: CrmMapping): CrmField[] {
  return CRM_FIELDS.filter((field) => mapping.columns[field] !== undefined);
}
