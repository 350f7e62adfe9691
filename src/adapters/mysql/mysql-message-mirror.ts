import type { Query } from 'drizzle-orm';
import type { Logger } from 'pino';
import { CrmMisfitError, CrmWriteError } from '../../application/ports/crm-write-error.js';
import type { CrmWriter } from '../../application/ports/crm-writer.js';
import type { Metrics } from '../../application/ports/metrics.js';
import type { Usernames } from '../../application/ports/usernames.js';
import type { CrmConfig } from '../../config.js';
import type { Message } from '../../domain/message.js';
import type { CrmConnection, CrmPool } from './crm-pool.js';
import { crmTodo } from '../../domain/crm-mapping.js';
import { changesLine, mappingLine } from './crm-fit-report.js';
import { CrmStatements } from './crm-statements.js';
import { toCrmRow, type CrmRow, type CrmTimePrecision } from './crm-table.js';
import { inspectCrmTable } from './crm-table-inspection.js';
import type { CrmTableFit } from './crm-table-fit.js';
import { classifySent } from './mysql-error.js';
import { errorFields } from './error-fields.js';
import { InFlightWrites } from './in-flight-writes.js';
import { duration, OutageLog } from '../../domain/outage-log.js';
import { systemClock } from '../../domain/clock.js';

/** The table does not fit the mapping (SPEC §10): the mirror stays off; each error names the column. */
export class CrmTableMisfit extends CrmMisfitError {
  constructor(readonly fit: CrmTableFit) {
    super(`the CRM table does not fit: ${fit.errors.join('; ')}`);
  }
}

/**
 * The Drizzle/mysql2 writer of the CRM's table. Each call takes one pooled connection, runs
 * one statement (built by Drizzle, see `CrmStatements`) under CRM_MYSQL_WRITE_TIMEOUT_S and
 * logs the outcome. It never decides about retries: it says, through `CrmWriteError.kind`,
 * whether the rows may have arrived.
 */
export class MysqlMessageMirror implements CrmWriter {
  private readonly statements: CrmStatements;
  private fit: CrmTableFit | undefined;
  /** The fractional digits of each mapped time column, as validate() found them. */
  private precision: CrmTimePrecision = {};
  private lastVerdict: string | undefined;
  /** SPEC §5: what a failure log names; computed from the mapping (see crmTodo). */
  todo: string;

  get idempotent(): boolean {
    return this.fit?.idempotency === 'mid-unique';
  }

  get updatesChanges(): boolean {
    return this.fit !== undefined && this.config.mapping.columns.mid !== undefined;
  }
  private abortInFlight: (() => void) | undefined;
  private readonly inFlight: InFlightWrites;
  private readonly outage: OutageLog;

  constructor(
    private readonly pool: CrmPool,
    private readonly config: CrmConfig,
    private readonly usernames: Usernames,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    /** How often identical failures during an outage are summarised (one line each time). */
    outageSummaryMs = 60_000,
  ) {
    this.statements = new CrmStatements(config.table, config.mapping);
    this.todo = crmTodo(config.mapping);
    this.outage = new OutageLog(systemClock, outageSummaryMs);
    this.inFlight = new InFlightWrites(config.slowWriteMs, (ms) =>
      this.logger.warn(
        { ms: Math.round(ms), thresholdMs: config.slowWriteMs },
        `CRM write in flight for ${Math.round(ms)} ms, longer than CRM_SLOW_WRITE_MS=${config.slowWriteMs}: the CRM is slow or its table locked (given up after CRM_MYSQL_WRITE_TIMEOUT_S)`,
      ));
  }

  /** How long the oldest CRM statement under way has been running (null: none): `/readyz` says `slow` past CRM_SLOW_WRITE_MS. */
  writingForMs(): number | null {
    return this.inFlight.oldestMs();
  }

  /**
   * The mirror has nothing left to write: after an outage, one line says how long it lasted
   * and how many messages drained since the CRM answered again.
   */
  caughtUp(): void {
    const recovery = this.outage.settled();
    if (!recovery) return;
    this.logger.info(
      { outageMs: recovery.outageMs, failures: recovery.failures, drained: recovery.drained },
      `CRM recovered after an outage of ${duration(recovery.outageMs)}; ${recovery.drained} message(s) drained`,
    );
  }

  /**
   * SPEC §10: inspects the table (information_schema) against the mapping. A misfit throws
   * `CrmTableMisfit` (logged once per verdict, naming the column); a fit logs the mapping in use.
   */
  async validate(): Promise<void> {
    let fit: CrmTableFit;
    try {
      fit = await this.run('validate', (connection) =>
        inspectCrmTable(async (statement, params) => (await connection.query(statement, params))[0] as Record<string, unknown>[], this.config.database, this.config.table, this.config.mapping),
      );
    } catch (error) {
      const failure = classifySent(error);
      this.reportFailure(failure, {}, `CRM not usable, running local-only until it answers: ${failure.message}`);
      throw new CrmWriteError(failure.kind, failure.message, failure.cause, true);
    }
    this.outage.written(0); // the CRM answers again
    const verdict = fit.fits ? `fits:${fit.idempotency}` : fit.errors.join('\n');
    if (verdict !== this.lastVerdict) {
      this.lastVerdict = verdict;
      for (const warning of fit.warnings) this.logger.warn({ table: fit.table }, `CRM table: ${warning}`);
      if (fit.fits) {
        this.logger.info({ table: fit.table, mapping: mappingLine(fit), idempotency: fit.idempotency, changes: changesLine(fit), todo: fit.todo }, `CRM table ${fit.table} fits: ${mappingLine(fit)}`);
      } else {
        this.logger.error({ table: fit.table, errors: fit.errors }, `CRM mirror off: the CRM table does not fit (${fit.errors.join('; ')}); webhooks go on locally. npm run crm:check tells more`);
      }
    }
    if (!fit.fits) throw new CrmTableMisfit(fit);
    this.fit = fit;
    this.precision = timePrecision(fit);
    this.todo = fit.todo;
  }

  async mirror(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const rows = await this.rows(messages);
    // With a UNIQUE mid column a row already there is left as it is: the write is idempotent.
    await this.write(rows.length, () => this.run('insert', this.statement(this.statements.insert(rows, this.idempotent))));
  }

  /**
   * SPEC §10, with `mid` mapped: the CRM row of an edited or unsent message gets its text (blank
   * after an unsend with CRM_MYSQL_UNSEND=blank) and, when mapped, edited_at and deleted_at, as
   * they are now. Absolute values, so repeating it is harmless. False: the CRM has no row with
   * that mid (written before mid was mapped, or deleted by the CRM).
   */
  async update(message: Message): Promise<boolean> {
    if (this.config.mapping.columns.mid === undefined) throw new CrmWriteError('rejected', 'the CRM table has no mid column: changes stay local');
    const [row] = await this.rows([message]);
    const [result] = await this.write(1, () => this.run('update', this.statement(this.statements.update(row))));
    // mysql2 connects with FOUND_ROWS: affectedRows counts the rows matched, changed or not.
    return affectedRows(result) > 0;
  }

  /** With a mid column the message is found by it; else by its natural key. Serial only (see MirrorPendingMessages). */
  async mirrorIfAbsent(message: Message): Promise<boolean> {
    const [row] = await this.rows([message]);
    const [result] = await this.write(1, () =>
      this.run('insert-if-absent', this.statement(this.statements.insertIfAbsent(row, this.fit?.messageCharset ?? undefined))));
    return affectedRows(result) > 0;
  }

  /** Runs a statement Drizzle built on the connection `run` holds (mysql2 formats it on the client, as Drizzle's driver does). */
  private statement(query: Query) {
    return (connection: CrmConnection) => connection.query(query.sql, query.params);
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
    return messages.map((m) => toCrmRow(m, names.get(m.customerId) ?? null, this.config.mapping, this.precision));
  }

  /** Times, logs and counts one write. */
  private async write<T>(count: number, statement: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await statement();
      const ms = performance.now() - started;
      this.metrics.crmWrite('ok', ms / 1000, count);
      this.outage.written(count);
      this.logger.info({ rows: count, ms: Math.round(ms) }, `CRM write ok: ${count} message(s)`);
      if (ms > this.config.slowWriteMs) {
        this.logger.warn({ rows: count, ms: Math.round(ms), thresholdMs: this.config.slowWriteMs }, `slow CRM write: ${Math.round(ms)} ms for ${count} message(s) (CRM_SLOW_WRITE_MS=${this.config.slowWriteMs})`);
      }
      return result;
    } catch (error) {
      const failure = classifySent(error);
      const ms = performance.now() - started;
      const outcome = failure.kind === 'rejected' ? 'rejected' : failure.kind === 'in_doubt' ? 'timeout' : 'failed';
      this.metrics.crmWrite(outcome, ms / 1000, count);
      // A rejected write's one line is the caller's: only it knows what becomes of the rows
      // (split, retried later, marked failed), so it logs that line with these fields.
      if (failure.kind === 'rejected') throw new CrmWriteError(failure.kind, failure.message, failure.cause, false, errorFields(failure));
      this.reportFailure(failure, { rows: count, ms: Math.round(ms) }, `CRM write failed (${failure.kind}): ${failure.message}`);
      throw failure;
    }
  }

  /**
   * SPEC §5: one line per failure with the whole error and the TODO as its `todo` field. During
   * an outage identical failures are counted and summarised (OutageLog). (A write the CRM
   * rejects for its data is not an outage: MirrorPendingMessages logs it, in full.)
   */
  private reportFailure(failure: CrmWriteError, fields: Record<string, unknown>, message: string): void {
    const error = errorFields(failure);
    const verdict = this.outage.failed(`${failure.kind}|${error.code}|${error.errno}|${error.message}`);
    if (verdict.log === 'full') {
      this.logger.error({ ...fields, kind: failure.kind, error, todo: this.todo }, message);
    } else if (verdict.log === 'summary') {
      this.logger.error(
        { kind: failure.kind, repeated: verdict.repeated, outageMs: verdict.outageMs, error: { code: error.code, message: error.message }, todo: this.todo },
        `CRM still failing: ${verdict.repeated} failures like it since the last line (${error.code ?? failure.kind}: ${error.message}; down for ${duration(verdict.outageMs)})`,
      );
    } else {
      this.logger.debug({ kind: failure.kind, code: error.code }, 'CRM failure repeated (summarised)');
    }
  }

  /**
   * One statement on one pooled connection, under the write timeout. No answer in time → the
   * connection is abandoned (KILLed, destroyed) and the outcome is unknown.
   */
  private async run<T>(what: string, statement: (connection: CrmConnection) => Promise<T>): Promise<T> {
    const finished = this.inFlight.begin();
    let connection: CrmConnection;
    try {
      connection = await this.pool.acquire();
    } catch (error) {
      finished();
      throw error;
    }
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
    // A synchronous throw becomes a rejection, so the connection is always given back.
    const running = (async () => statement(connection))();
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
      finished();
      this.abortInFlight = undefined;
    }
  }

  /** Shutdown: gives up on the statement in flight now (KILL, destroy); its rows stay in doubt. */
  abort(): void {
    this.abortInFlight?.();
  }
}

/** The fractional digits of each mapped time column the table has (3 for one it lacks). */
function timePrecision(fit: CrmTableFit): CrmTimePrecision {
  const fsp = (field: 'edited_at' | 'deleted_at') => (fit.columns[field] ? Number(fit.columns[field]!.fsp ?? 0) : 3);
  return { created_at: fit.fractionDigits ?? 3, edited_at: fsp('edited_at'), deleted_at: fsp('deleted_at') };
}

/** mysql2's answer to a write: how many rows it matched (FOUND_ROWS) or inserted. */
function affectedRows(result: unknown): number {
  return (result as { affectedRows?: number }).affectedRows ?? 0;
}
