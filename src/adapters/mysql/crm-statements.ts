import { and, eq, sql, type Query, type SQL } from 'drizzle-orm';
import type { MySqlColumn } from 'drizzle-orm/mysql-core';
import { drizzle } from 'drizzle-orm/mysql2';
import type { CrmField, CrmMapping } from '../../domain/crm-mapping.js';
import { columnOf, crmTable, writtenFields, type CrmRow, type CrmTable } from './crm-table.js';

/**
 * A multi-row INSERT's text for any number of rows, cut from Drizzle's own texts for one row and
 * for two (and checked against its text for three): `head` runs through the first row's placeholders, `more` is the separator and one
 * further row's, `tail` what follows the rows (ON DUPLICATE KEY …, or nothing).
 */
interface InsertShape {
  head: string;
  more: string;
  tail: string;
}

/**
 * Every write igbridge makes to the CRM, as Drizzle statements over the mapped table
 * (`crmTable`), which is built once from config. One Drizzle instance builds them all
 * (`toSQL()`: it never connects); the writer runs each `{ sql, params }` on the pooled
 * connection it holds, as Drizzle's mysql2 driver would (`connection.query`, formatted on the
 * client), so that the write timeout can KILL exactly that connection.
 */
export class CrmStatements {
  private readonly db = drizzle.mock();
  /** The INSERT's shape without and with upsert, once Drizzle has shown it (see `insert`); null: it cannot be cut, every batch is Drizzle's. */
  private readonly shapes = new Map<boolean, InsertShape | null>();
  readonly table: CrmTable;
  /** The mapped fields, in the order their columns are written. */
  readonly fields: readonly CrmField[];

  constructor(name: string, private readonly mapping: CrmMapping) {
    this.table = crmTable(name, mapping.columns);
    this.fields = writtenFields(mapping);
  }

  /**
   * One multi-row INSERT; with `upsert` (a UNIQUE mid column) a row already there is left as it
   * is. The escape hatch (issue 12): Drizzle builds the statement for one, two and three rows, once;
   * every batch's text is cut from those (`InsertShape`) and its parameters laid out row by row
   * in column order, as Drizzle lays them out. Measured by bench/crm-insert.ts (BENCHMARKS.md,
   * item 12), building and formatting one 500-row batch: Drizzle every batch 5.1–6.6 ms (10–13 µs
   * a row), a quarter of the 25 ms a batch may take at the catch-up target of 20,000 msg/s;
   * reused 0.26–0.28 ms, as cheap as mysql2's `values ?` (0.23–0.26 ms). The live tail's batches
   * are of every size (what came since the last write), so the text is made for any size, not
   * kept per size: kept per size, Drizzle built most of them, 3.5 % of the webhook's event loop
   * at saturation with the CRM on (BENCHMARKS.md, session 11).
   */
  insert(rows: readonly CrmRow[], upsert: boolean): Query {
    const shape = rows.length > 0 ? this.shapeOf(rows[0], upsert) : null;
    if (shape === null) return this.buildInsert(rows, upsert);
    const params: unknown[] = new Array(rows.length * this.fields.length);
    let i = 0;
    for (const row of rows) for (const field of this.fields) params[i++] = row[field];
    return { sql: shape.head + shape.more.repeat(rows.length - 1) + shape.tail, params };
  }

  /** Drizzle's own INSERT for these rows, built now (what `insert` cuts every batch's text from). */
  buildInsert(rows: readonly CrmRow[], upsert: boolean): Query {
    const insert = this.db.insert(this.table).values(rows as CrmRow[]);
    const mid = upsert ? this.column('mid') : undefined;
    return (mid ? insert.onDuplicateKeyUpdate({ set: { mid: sql`${sql.identifier(mid.name)}` } }) : insert).toSQL();
  }

  /**
   * The INSERT's shape, worked out once per `upsert` from the first batch's first row (kept
   * either way: a shape that cannot be cut is not tried again for every batch).
   */
  private shapeOf(sample: CrmRow, upsert: boolean): InsertShape | null {
    let shape = this.shapes.get(upsert);
    if (shape === undefined) this.shapes.set(upsert, (shape = this.cutShape(sample, upsert)));
    return shape;
  }

  /**
   * Cut from Drizzle's texts for one, two and three copies of `sample`, when they agree and
   * Drizzle gave one parameter per field and row; null otherwise (every batch built by Drizzle whole).
   */
  private cutShape(sample: CrmRow, upsert: boolean): InsertShape | null {
    const [one, two, three] = [1, 2, 3].map((n) => this.buildInsert(Array.from({ length: n }, () => sample), upsert));
    if ([one, two, three].some((query, n) => query.params.length !== (n + 1) * this.fields.length)) return null;
    let common = 0;
    while (common < one.sql.length && one.sql[common] === two.sql[common]) common += 1;
    const shape = { head: one.sql.slice(0, common), tail: one.sql.slice(common), more: two.sql.slice(common, two.sql.length - (one.sql.length - common)) };
    const cuts = shape.head + shape.more + shape.tail === two.sql && shape.head + shape.more.repeat(2) + shape.tail === three.sql;
    return cuts ? shape : null;
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
