import { mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { CRM_FIELDS, type CrmColumns, type CrmField, type CrmMapping } from '../../domain/crm-mapping.js';
import { crmText, type Message } from '../../domain/message.js';

/**
 * The CRM table as Drizzle sees it: its name from CRM_MYSQL_TABLE, its columns from
 * CRM_MYSQL_COLUMNS (only the mapped ones: other columns of the table are never touched).
 * Times are declared as text because we send them pre-formatted (see `crmDateTime`).
 */
export function crmTable(name: string, columns: CrmColumns) {
  const keys = { mid: 'mid', accountId: 'account_id', attachments: 'attachments', editedAt: 'edited_at', deletedAt: 'deleted_at' } as const;
  // Present only when mapped (an absent key is no column at all in Drizzle's statements).
  const optional = Object.fromEntries(
    Object.entries(keys).filter(([, field]) => columns[field] !== undefined).map(([key, field]) => [key, varchar(columns[field]!, { length: 255 })]),
  ) as Partial<Record<keyof typeof keys, ReturnType<typeof varchar>>>;
  return mysqlTable(name, {
    userId: varchar(columns.user_id, { length: 255 }).notNull(),
    username: varchar(columns.username, { length: 255 }).notNull(),
    direction: varchar(columns.direction, { length: 64 }).notNull(),
    message: text(columns.message).notNull(),
    createdAt: varchar(columns.created_at, { length: 32 }).notNull(),
    ...optional,
  });
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
