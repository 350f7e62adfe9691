import { and, eq, sql, type Query, type SQL } from 'drizzle-orm';
import type { MySqlColumn } from 'drizzle-orm/mysql-core';
import { drizzle } from 'drizzle-orm/mysql2';
import type { CrmField, CrmMapping } from '../../domain/crm-mapping.js';
import { columnOf, crmTable, writtenFields, type CrmRow, type CrmTable } from './crm-table.js';

/**
 * How many batch sizes keep their INSERT text: a catch-up's full batches and the last sizes a
 * trickle or a split batch used (a 500-row text is about 10 kB; sizes up to CRM_BATCH_SIZE=5000).
 */
const KEPT_INSERTS = 8;

/**
 * Every write igbridge makes to the CRM, as Drizzle statements over the mapped table
 * (`crmTable`), which is built once from config. One Drizzle instance builds them all
 * (`toSQL()`: it never connects); the writer runs each `{ sql, params }` on the pooled
 * connection it holds, as Drizzle's mysql2 driver would (`connection.query`, formatted on the
 * client), so that the write timeout can KILL exactly that connection.
 */
export class CrmStatements {
  private readonly db = drizzle.mock();
  /** INSERT texts by batch size (see `insert`); a Map keeps insertion order, the oldest goes first. */
  private readonly inserts = new Map<string, string>();
  readonly table: CrmTable;
  /** The mapped fields, in the order their columns are written. */
  readonly fields: readonly CrmField[];

  constructor(name: string, private readonly mapping: CrmMapping) {
    this.table = crmTable(name, mapping.columns);
    this.fields = writtenFields(mapping);
  }

  /**
   * One multi-row INSERT; with `upsert` (a UNIQUE mid column) a row already there is left as it
   * is. The escape hatch (issue 12): Drizzle builds the statement for a batch of this size once;
   * after that its text is reused and only the parameters are laid out, row by row in column
   * order, as Drizzle lays them out. Measured by bench/crm-insert.ts (BENCHMARKS.md, item 12),
   * building and formatting one 500-row batch: Drizzle every batch 5.1–6.6 ms (10–13 µs a row), a
   * quarter of the 25 ms a batch may take at the catch-up target of 20,000 msg/s, and half the
   * INSERT rate (37,000–54,000 rows/s); reused 0.26–0.28 ms, as cheap as mysql2's `values ?`
   * (0.23–0.26 ms), at 80,000–99,000 rows/s.
   */
  insert(rows: readonly CrmRow[], upsert: boolean): Query {
    const key = `${rows.length}${upsert ? '+upsert' : ''}`;
    const text = this.inserts.get(key);
    if (text === undefined) return this.remember(key, this.buildInsert(rows, upsert), rows.length);
    const params: unknown[] = new Array(rows.length * this.fields.length);
    let i = 0;
    for (const row of rows) for (const field of this.fields) params[i++] = row[field];
    return { sql: text, params };
  }

  /** Drizzle's own INSERT for these rows, built now (what `insert` reuses for the next batch of their size). */
  buildInsert(rows: readonly CrmRow[], upsert: boolean): Query {
    const insert = this.db.insert(this.table).values(rows as CrmRow[]);
    const mid = upsert ? this.column('mid') : undefined;
    return (mid ? insert.onDuplicateKeyUpdate({ set: { mid: sql`${sql.identifier(mid.name)}` } }) : insert).toSQL();
  }

  /** Keeps an INSERT's text for its batch size (the last KEPT_INSERTS sizes), if Drizzle gave it one parameter per field and row. */
  private remember(key: string, query: Query, rows: number): Query {
    if (query.params.length === rows * this.fields.length) {
      if (this.inserts.size >= KEPT_INSERTS) this.inserts.delete(this.inserts.keys().next().value!);
      this.inserts.set(key, query.sql);
    }
    return query;
  }

  /**
   * One row unless the CRM already has it: found by its mid when mapped, else by its natural key
   * (user_id, direction, created_at, message), the text compared byte for byte in the column's
   * character set `charset` when known (see `sameText`).
   */
  insertIfAbsent(row: CrmRow, charset: string | undefined): Query {
    const found = this.mapping.columns.mid !== undefined
      ? eq(this.column('mid'), row.mid)
      : and(eq(this.column('user_id'), row.user_id), eq(this.column('direction'), row.direction), eq(this.column('created_at'), row.created_at), this.sameText(row.message!, charset));
    const values = sql.join(this.fields.map((field) => sql`${row[field]}`), sql`, `);
    const existing = this.db.select({ one: sql`1` }).from(this.table).where(found);
    return this.db.insert(this.table).select(sql`select ${values} from dual where not exists ${existing}`).toSQL();
  }

  /**
   * The CRM row with this mid gets the message's text and, when mapped, edited_at and deleted_at
   * (absolute values: repeating it is harmless). Needs a mid column.
   */
  update(row: CrmRow): Query {
    const { message, edited_at, deleted_at } = row;
    // Drizzle sets only the table's columns: an unmapped edited_at or deleted_at is left out.
    return this.db.update(this.table).set({ message, edited_at, deleted_at }).where(eq(this.column('mid'), row.mid)).toSQL();
  }

  /**
   * Byte-exact text comparison in the column's own character set: the usual *_ci collations
   * take 'Hi' for 'hi' and every emoji for every other emoji ('😀' = '👍' in
   * utf8mb4_unicode_ci), which would make an in-doubt retry skip a message that never arrived.
   */
  private sameText(text: string, charset: string | undefined): SQL {
    const column = this.column('message');
    if (!charset) return eq(column, text);
    return sql`${column} = CONVERT(${text} USING ${sql.raw(charset)}) COLLATE ${sql.raw(`${charset}_bin`)}`;
  }

  private column(field: CrmField): MySqlColumn {
    return columnOf(this.table, field);
  }
}
