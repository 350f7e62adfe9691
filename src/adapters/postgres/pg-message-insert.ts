import { fillPlaceholders, getTableColumns, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import type { NewMessage } from '../../domain/message.js';
import type { ReadWatermark } from '../../domain/read-watermark.js';
import { newMessageToStore } from '../../domain/stored-message.js';
import { watermarkOf, type MessageRow } from './message-row.js';
import { countIn } from './pg-conversation-summaries.js';
import * as schema from './schema.js';
import { deferredChanges, messages } from './schema.js';

export interface InsertedMessage {
  row: MessageRow;
  /** Its conversation's read watermark, and newest outbound message time, after counting it in. */
  watermark: ReadWatermark | null;
  lastOutSentAt: number | null;
  /** Changes that came before it wait in deferred_changes (and are not expired). */
  changesWaiting: boolean;
}

const p = (name: string) => sql.placeholder(name);
const columns = Object.entries(getTableColumns(messages));

/**
 * A new message in one round trip, in the caller's transaction: the INSERT (a duplicate mid
 * inserts nothing and returns no row), its conversation counted in (PgConversationSummaries'
 * upsert, reading the inserted row), and whether changes wait for it — as one statement with
 * data-modifying CTEs. Built by Drizzle once, then sent as a named prepared statement: each
 * connection parses and plans it once, and nothing is rebuilt per message.
 *
 * Measured with bench/pg-record.ts (BENCHMARKS.md, issue 17): with the insert, the summary and the
 * check as three statements built by Drizzle on every delivery (six in all), a delivery cost
 * ~800 µs of this process's CPU and ~800 µs of PostgreSQL's (~1,000 deliveries/s); with this one
 * (four in all), ~220 µs and ~350 µs (~2,850/s). The waiting changes are only looked for here:
 * applying them (rare) is PgEventWriter's, in the same transaction. The caller holds the mid's
 * advisory lock, taken by an earlier statement, so this statement's snapshot sees every change
 * deferred for the mid before (READ COMMITTED).
 */
export class PgMessageInsert {
  private readonly text: string;
  private readonly params: unknown[];

  constructor() {
    const m = messages;
    const d = deferredChanges;
    // Drizzle with no connection: it only builds the statement.
    const insert = drizzle.mock({ schema })
      .insert(m)
      .values({
        mid: p('mid'), accountId: p('accountId'), customerId: p('customerId'), direction: p('direction'), text: p('text'),
        attachments: p('attachments'),
        // Passed as SQL, not through the JSON column's encoder, so that null stays NULL.
        replyTo: sql`${p('replyTo')}`,
        payload: p('payload'), sentAt: p('sentAt'), raw: p('raw'), origin: p('origin'), receivedAt: p('receivedAt'),
        crmState: p('crmState'), crmNextAttemptAt: p('crmNextAttemptAt'),
      })
      .onConflictDoNothing({ target: m.mid })
      .returning();
    const inserted = sql.raw('inserted');
    const statement = sql`WITH ${inserted} AS ${insert}, counted AS (${countIn(inserted)})
      SELECT ${inserted}.*, counted.read_up_to AS "$read_up_to", counted.read_at AS "$read_at", counted.last_out_sent_at AS "$last_out_sent_at",
        EXISTS (SELECT 1 FROM ${d} WHERE ${d.mid} = ${inserted}.mid AND ${d.receivedAt} >= ${p('waitingSince')}) AS "$waiting"
      FROM ${inserted} CROSS JOIN counted`;
    ({ sql: this.text, params: this.params } = new PgDialect().sqlToQuery(statement));
  }

  async run(client: pg.ClientBase, message: NewMessage, values: { now: number; mirrored: boolean; waitingSince: number }): Promise<InsertedMessage | null> {
    const { now, mirrored, waitingSince } = values;
    const { rows } = await client.query<Record<string, unknown>>({
      name: 'igbridge_insert_message',
      text: this.text,
      values: fillPlaceholders(this.params, { ...newMessageToStore(message, now, mirrored), waitingSince }),
    });
    const raw = rows[0];
    if (!raw) return null;
    const row = Object.fromEntries(columns.map(([key, column]) => [key, raw[column.name] == null ? null : column.mapFromDriverValue(raw[column.name])])) as MessageRow;
    const time = (value: unknown) => (value == null ? null : Number(value));
    return {
      row,
      watermark: watermarkOf({ readUpTo: time(raw.$read_up_to), readAt: time(raw.$read_at) }),
      lastOutSentAt: time(raw.$last_out_sent_at),
      changesWaiting: raw.$waiting === true,
    };
  }
}
