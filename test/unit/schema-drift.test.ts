import { is, SQL } from 'drizzle-orm';
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as postgres from '../../src/adapters/postgres/schema.js';
import * as sqlite from '../../src/adapters/sqlite/schema.js';

/**
 * The differences between the two schemas that are on purpose; anything else is drift.
 * - the outbox's claim columns: several instances share PostgreSQL's outbox (SPEC §14);
 * - `crm_state_counts.slot`: a state's count is spread over slots in PostgreSQL, so that concurrent
 *   transactions do not all wait on one row (src/adapters/postgres/schema.ts);
 * - `lookup_pace`: the profile look-up pace shared by the instances (one instance keeps it in memory);
 * - the partial index's condition spells the boolean as SQLite stores it (0) and as PostgreSQL does.
 */
const ALLOWED = {
  postgresOnlyTables: ['lookup_pace'],
  postgresOnlyColumns: { messages: ['crm_claimed_by', 'crm_claimed_until'], crm_state_counts: ['slot'] } as Record<string, string[]>,
  primaryKeys: { crm_state_counts: { sqlite: ['state'], postgres: ['state', 'slot'] } } as Record<string, { sqlite: string[]; postgres: string[] }>,
  conditions: {
    messages_crm_changes: {
      sqlite: "crm_state = 'mirrored' AND (edit_count > crm_edits_sent OR (deleted_at IS NOT NULL AND crm_unsend_sent = 0))",
      postgres: "crm_state = 'mirrored' AND (edit_count > crm_edits_sent OR (deleted_at IS NOT NULL AND crm_unsend_sent = false))",
    },
  } as Record<string, { sqlite: string; postgres: string }>,
};

interface ColumnShape { notNull: boolean; hasDefault: boolean; default: string | undefined }
interface IndexShape { columns: string[]; unique: boolean; where: string | undefined }
interface TableShape { columns: Record<string, ColumnShape>; primaryKey: string[]; indexes: Record<string, IndexShape> }

/** SQL written with drizzle's `sql` tag, as text (its chunks are strings here). */
function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!is(value, SQL)) return JSON.stringify(value);
  return value.queryChunks.map((chunk) => ((chunk as { value?: string[] }).value ?? []).join('')).join('');
}

type Config = ReturnType<typeof pgTableConfig> | ReturnType<typeof sqliteTableConfig>;

function shape(config: Config): TableShape {
  const columns: Record<string, ColumnShape> = {};
  const indexes: Record<string, IndexShape> = {};
  for (const column of config.columns) {
    columns[column.name] = { notNull: column.notNull, hasDefault: column.hasDefault, default: text(column.default) };
    if (column.isUnique) indexes[column.uniqueName!] = { columns: [column.name], unique: true, where: undefined };
  }
  for (const index of config.indexes) {
    const { name, columns: on, unique, where } = index.config as { name: string; columns: Array<{ name: string }>; unique: boolean; where?: SQL };
    indexes[name] = { columns: on.map((column) => column.name), unique, where: text(where) };
  }
  const composite = config.primaryKeys.flatMap((key) => key.columns.map((column) => column.name));
  return { columns, indexes, primaryKey: composite.length > 0 ? composite : config.columns.filter((c) => c.primary).map((c) => c.name) };
}

function describeSchema(module: Record<string, unknown>): Record<string, TableShape> {
  const tables: Record<string, TableShape> = {};
  for (const value of Object.values(module)) {
    if (is(value, PgTable)) {
      const config = pgTableConfig(value);
      tables[config.name] = shape(config);
    } else if (is(value, SQLiteTable)) {
      const config = sqliteTableConfig(value);
      tables[config.name] = shape(config);
    }
  }
  return tables;
}

/** The PostgreSQL schema with the allowed differences taken back to SQLite's side. */
function withoutAllowedDifferences(tables: Record<string, TableShape>): Record<string, TableShape> {
  const result = structuredClone(tables);
  for (const table of ALLOWED.postgresOnlyTables) delete result[table];
  for (const [table, names] of Object.entries(ALLOWED.postgresOnlyColumns)) for (const name of names) delete result[table]!.columns[name];
  for (const [table, keys] of Object.entries(ALLOWED.primaryKeys)) if (String(result[table]!.primaryKey) === String(keys.postgres)) result[table]!.primaryKey = keys.sqlite;
  for (const table of Object.values(result)) {
    for (const [name, index] of Object.entries(table.indexes)) {
      const condition = ALLOWED.conditions[name];
      if (condition && index.where === condition.postgres) index.where = condition.sqlite;
    }
  }
  return result;
}

describe('the SQLite and PostgreSQL schemas', () => {
  const fromSqlite = describeSchema(sqlite);
  const fromPostgres = describeSchema(postgres);

  it('when compared, then they have the same tables, columns (nullability, defaults), primary keys and indexes (name, columns, uniqueness, condition), but for the differences allowed', () => {
    expect(Object.keys(fromSqlite).sort()).toEqual(['accounts', 'contacts', 'conversations', 'crm_state_counts', 'deferred_changes', 'health', 'history_state', 'messages']);
    expect(withoutAllowedDifferences(fromPostgres)).toEqual(fromSqlite);
  });

  it('when the allowed differences are listed, then each is still a difference (the list does not outlive its reason)', () => {
    for (const table of ALLOWED.postgresOnlyTables) {
      expect(fromPostgres[table]).toBeDefined();
      expect(fromSqlite[table]).toBeUndefined();
    }
    for (const [table, names] of Object.entries(ALLOWED.postgresOnlyColumns)) {
      for (const name of names) {
        expect(fromPostgres[table]!.columns, `${table}.${name} in PostgreSQL`).toHaveProperty([name]);
        expect(fromSqlite[table]!.columns, `${table}.${name} not in SQLite`).not.toHaveProperty([name]);
      }
    }
    for (const [table, keys] of Object.entries(ALLOWED.primaryKeys)) {
      expect(fromSqlite[table]!.primaryKey).toEqual(keys.sqlite);
      expect(fromPostgres[table]!.primaryKey).toEqual(keys.postgres);
    }
    for (const [name, condition] of Object.entries(ALLOWED.conditions)) {
      expect(fromSqlite.messages!.indexes[name]!.where).toBe(condition.sqlite);
      expect(fromPostgres.messages!.indexes[name]!.where).toBe(condition.postgres);
    }
  });

  it('when rows are read, then both schemas hand out the same TypeScript types (checked by tsc)', () => {
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    type Row<T extends { $inferSelect: unknown }> = T['$inferSelect'];
    const same: Array<true> = [
      true satisfies Same<Omit<Row<typeof postgres.messages>, 'crmClaimedBy' | 'crmClaimedUntil'>, Row<typeof sqlite.messages>>,
      true satisfies Same<Row<typeof postgres.deferredChanges>, Row<typeof sqlite.deferredChanges>>,
      true satisfies Same<Row<typeof postgres.conversations>, Row<typeof sqlite.conversations>>,
      true satisfies Same<Row<typeof postgres.accounts>, Row<typeof sqlite.accounts>>,
      true satisfies Same<Row<typeof postgres.contacts>, Row<typeof sqlite.contacts>>,
      true satisfies Same<Row<typeof postgres.historyState>, Row<typeof sqlite.historyState>>,
      true satisfies Same<Row<typeof postgres.health>, Row<typeof sqlite.health>>,
      true satisfies Same<Omit<Row<typeof postgres.crmStateCounts>, 'slot'>, Row<typeof sqlite.crmStateCounts>>,
    ];
    expect(same).toHaveLength(8);
  });
});
