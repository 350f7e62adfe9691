import { and, eq, sql } from 'drizzle-orm';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import type { Logger } from 'pino';
import type { Metrics } from '../../application/ports/metrics.js';
import type { Usernames } from '../../application/ports/usernames.js';
import type { CrmConfig } from '../../config.js';
import type { Message } from '../../domain/message.js';
import type { CrmMirror } from '../mirror/crm-mirror.js';
import type { CrmConnection, CrmPool } from './crm-pool.js';
import { CRM_COLUMNS, crmTable, toCrmRow, type CrmRow } from './crm-table.js';
import { classifySent, CrmWriteError, describe } from './crm-write-error.js';

/** SPEC §5: what a failure log names, because the CRM table has nowhere to put it. */
export const CRM_TODO =
  'TODO: the CRM messages table cannot hold the Instagram mid, the account id, attachments (only a text stand-in), reactions, edits or unsends; they stay in igbridge only';

/**
 * The Drizzle/mysql2 writer of the CRM's table. Each call takes one pooled connection, runs
 * one statement under CRM_MYSQL_WRITE_TIMEOUT_S and logs the outcome. It never decides about
 * retries: it says, through `CrmWriteError.kind`, whether the rows may have arrived.
 */
export class MysqlMessageMirror implements CrmMirror {
  private readonly table;
  private fractionDigits = 3;
  private messageCharset: string | null = null;
  private abortInFlight: (() => void) | undefined;

  constructor(
    private readonly pool: CrmPool,
    private readonly config: CrmConfig,
    private readonly usernames: Usernames,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.table = crmTable(config.table);
  }

  async validate(): Promise<void> {
    const rows = await this.run('validate', (db) =>
      db.execute(sql`SELECT COLUMN_NAME AS name, DATETIME_PRECISION AS fsp, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ${this.config.database} AND TABLE_NAME = ${this.config.table}`),
    );
    type Column = { name: string; fsp: number | null; charset: string | null };
    const columns = new Map((rows[0] as unknown as Column[]).map((c) => [c.name.toLowerCase(), c]));
    const missing = CRM_COLUMNS.filter((name) => !columns.has(name));
    if (missing.length > 0) {
      throw new CrmWriteError('unsent', columns.size === 0
        ? `table ${this.config.database}.${this.config.table} not found (or not visible to ${this.config.user})`
        : `table ${this.config.database}.${this.config.table} lacks the column(s) ${missing.join(', ')}`);
    }
    const fsp = columns.get('created_at')?.fsp;
    this.fractionDigits = fsp === null || fsp === undefined ? 3 : Number(fsp);
    const charset = columns.get('message')?.charset;
    this.messageCharset = charset && /^[a-z0-9]+$/i.test(charset) ? charset : null;
  }

  async mirror(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const rows = await this.rows(messages);
    // One multi-row INSERT with mysql2's `values ?` (the same client-side escaping Drizzle
    // uses): Drizzle's builder spent ~15 µs per row on a catch-up's 500-row batches, more
    // than the CRM took to insert them (make bench, catch-up).
    const values = rows.map((r) => [r.userId, r.username, r.direction, r.message, r.createdAt]);
    const columns = CRM_COLUMNS.map((c) => `\`${c}\``).join(', ');
    await this.write(rows.length, () =>
      this.run('insert', (db) => connectionOf(db).query(`insert into ?? (${columns}) values ?`, [this.config.table, values])),
    );
  }

  async mirrorIfAbsent(message: Message): Promise<boolean> {
    const [row] = await this.rows([message]);
    const t = this.table;
    // Natural key: the CRM has no column for the mid. Serial only (see NonBlockingMirror).
    const [result] = await this.write(1, () =>
      this.run('insert-if-absent', (db) => db.execute(sql`
        INSERT INTO ${t} (${t.userId}, ${t.username}, ${t.direction}, ${t.message}, ${t.createdAt})
        SELECT ${row.userId}, ${row.username}, ${row.direction}, ${row.message}, ${row.createdAt} FROM DUAL
        WHERE NOT EXISTS (SELECT 1 FROM ${t} WHERE ${and(
          eq(t.userId, row.userId),
          eq(t.direction, row.direction),
          eq(t.createdAt, row.createdAt),
          this.sameText(row.message),
        )})`)),
    );
    return ((result as unknown as { affectedRows?: number }).affectedRows ?? 0) > 0;
  }

  /**
   * Byte-exact text comparison in the column's own character set: the usual *_ci collations
   * take 'Hi' for 'hi' and every emoji for every other emoji ('😀' = '👍' in
   * utf8mb4_unicode_ci), which would make an in-doubt retry skip a message that never arrived.
   */
  private sameText(text: string) {
    const column = this.table.message;
    if (!this.messageCharset) return eq(column, text);
    return sql`${column} = CONVERT(${text} USING ${sql.raw(this.messageCharset)}) COLLATE ${sql.raw(`${this.messageCharset}_bin`)}`;
  }

  /**
   * The CRM rows, with each distinct customer's username: known ones at once; for the others
   * the batch waits (all together) at most CRM_USERNAME_WAIT_S for their budgeted look-up,
   * then uses the user id (SPEC §5) — Graph trouble never holds the mirror longer.
   */
  private async rows(messages: Message[]): Promise<CrmRow[]> {
    const customers = [...new Set(messages.map((m) => m.customerId))];
    const usernames = await Promise.all(customers.map((id) => this.usernames.of(id, this.config.usernameWaitMs).catch(() => null)));
    const names = new Map(customers.map((id, i) => [id, usernames[i]]));
    return messages.map((m) => toCrmRow(m, names.get(m.customerId) ?? null, this.fractionDigits));
  }

  /** Times, logs and counts one write. */
  private async write<T>(count: number, statement: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await statement();
      const ms = performance.now() - started;
      this.metrics.crmWrite('ok', ms / 1000, count);
      this.logger.info({ rows: count, ms: Math.round(ms) }, `CRM write ok: ${count} message(s)`);
      if (ms > this.config.slowWriteMs) {
        this.logger.warn({ rows: count, ms: Math.round(ms), thresholdMs: this.config.slowWriteMs }, `slow CRM write: ${Math.round(ms)} ms for ${count} message(s) (CRM_SLOW_WRITE_MS=${this.config.slowWriteMs})`);
      }
      return result;
    } catch (error) {
      const failure = error instanceof CrmWriteError ? error : classifySent(error);
      const ms = performance.now() - started;
      const outcome = failure.kind === 'rejected' ? 'rejected' : failure.kind === 'in_doubt' ? 'timeout' : 'failed';
      this.metrics.crmWrite(outcome, ms / 1000, count);
      this.logger.error({ rows: count, ms: Math.round(ms), kind: failure.kind, err: describe(failure.cause ?? failure) }, `CRM write failed (${failure.kind}): ${failure.message}`);
      this.logger.warn(CRM_TODO);
      throw failure;
    }
  }

  /**
   * One statement on one pooled connection, under the write timeout. No answer in time → the
   * connection is abandoned (KILLed, destroyed) and the outcome is unknown.
   */
  private async run<T>(what: string, statement: (db: MySql2Database) => Promise<T>): Promise<T> {
    const connection: CrmConnection = await this.pool.acquire();
    let timer: NodeJS.Timeout | undefined;
    let abandoned = false;
    const giveUp = new Promise<never>((_, reject) => {
      const abandon = (reason: string) => {
        abandoned = true;
        reject(new CrmWriteError('in_doubt', `${reason}: outcome unknown`));
      };
      timer = setTimeout(() => abandon(`no answer to the CRM ${what} within ${this.config.writeTimeoutMs} ms (CRM_MYSQL_WRITE_TIMEOUT_S)`), this.config.writeTimeoutMs);
      this.abortInFlight = () => abandon(`CRM ${what} abandoned at shutdown`);
    });
    // Drizzle's query builders run on every `then`: wrapped once, the statement runs once (and
    // a synchronous throw becomes a rejection, so the connection is always given back).
    const running = (async () => statement(drizzle({ client: connection })))();
    running.catch(() => {});
    try {
      const result = await Promise.race([running, giveUp]);
      this.pool.release(connection);
      return result;
    } catch (error) {
      const failure = classifySent(error);
      if (abandoned || failure.kind === 'in_doubt') await this.pool.abandon(connection);
      else this.pool.release(connection);
      throw failure;
    } finally {
      clearTimeout(timer);
      this.abortInFlight = undefined;
    }
  }

  /** Shutdown: gives up on the statement in flight now (KILL, destroy); its rows stay in doubt. */
  abort(): void {
    this.abortInFlight?.();
  }
}

/** The pooled mysql2 connection under a Drizzle instance made by `run`. */
function connectionOf(db: MySql2Database): CrmConnection {
  return (db as unknown as { $client: CrmConnection }).$client;
}
