import { mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { crmText, type Message } from '../../domain/message.js';

/** The five columns igbridge writes. The CRM's table may have more (with defaults): never touched. */
export const CRM_COLUMNS = ['user_id', 'username', 'direction', 'message', 'created_at'] as const;

/**
 * The CRM table as Drizzle sees it; the name comes from CRM_MYSQL_TABLE. `created_at` is
 * declared as text because we send it pre-formatted (see `crmDateTime`).
 */
export function crmTable(name: string) {
  return mysqlTable(name, {
    userId: varchar('user_id', { length: 255 }).notNull(),
    username: varchar('username', { length: 255 }).notNull(),
    direction: varchar('direction', { length: 3 }).notNull(),
    message: text('message').notNull(),
    createdAt: varchar('created_at', { length: 32 }).notNull(),
  });
}

export type CrmRow = ReturnType<typeof crmTable>['$inferInsert'];

/**
 * `created_at` as a UTC literal with exactly the column's fractional digits. Sending more
 * digits than the column keeps would let MySQL round (MariaDB truncates), and then the
 * natural-key check of an in-doubt retry would not find the row it wrote: so we cut first.
 */
export function crmDateTime(ms: number, fractionDigits: number): string {
  const iso = new Date(ms).toISOString(); // 2019-09-23T18:14:45.349Z
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const digits = Math.max(0, Math.min(3, fractionDigits));
  return digits === 0 ? base : `${base}.${iso.slice(20, 20 + digits)}`;
}

/** SPEC §5: one CRM row per message, keyed to the customer in both directions. */
export function toCrmRow(message: Message, username: string | null, fractionDigits: number): CrmRow {
  return {
    userId: message.customerId,
    username: username ?? message.customerId,
    direction: message.direction,
    message: crmText(message),
    createdAt: crmDateTime(message.sentAt, fractionDigits),
  };
}
