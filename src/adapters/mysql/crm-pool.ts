import mysql from 'mysql2/promise';
import type { Logger } from 'pino';
import type { Metrics } from '../../application/ports/metrics.js';
import type { CrmConfig } from '../../config.js';
import { CrmWriteError } from '../../application/ports/crm-write-error.js';
import { errorFields } from './error-fields.js';

export type CrmConnection = mysql.PoolConnection;

/**
 * The CRM connection pool: mysql2's pool plus what it lacks.
 * - at most `poolMax` connections (`connectionLimit`), reused; `resetOnRelease: false`
 *   (we keep no session state beyond time_zone, set once per connection);
 * - warm connections: mysql2 has no minimum, so a timer opens and pings connections whenever
 *   the pool holds fewer than `poolMin` (at least one);
 * - idle recycle: mysql2 sweeps connections idle longer than `idleTimeout` only when
 *   `maxIdle < connectionLimit`, so maxIdle is `poolMax - 1` (all `poolMax` idle at once: one
 *   is closed within a second). The warm timer then reopens one: the warm connection is
 *   renewed every CRM_MYSQL_IDLE_TIMEOUT_S, which also outlives server-side wait_timeouts.
 *   With `poolMax = 1` there is no sweep: the one connection lives on until it breaks;
 * - an acquire timeout (mysql2 waits forever): a timer around `getConnection`; a connection
 *   that arrives after the caller gave up is released at once, never leaked;
 * - `abandon()`: a write with no answer is killed server-side (`KILL <thread id>` from a fresh
 *   short-lived connection, so a statement queued behind `LOCK TABLES` cannot commit later)
 *   and its socket destroyed.
 */
export class CrmPool {
  private readonly pool: mysql.Pool;
  private warmTimer: NodeJS.Timeout | undefined;
  private warming = false;
  private closed = false;
  /** False since the last attempt to get a connection failed (the warm timer keeps trying). */
  reachable = true;

  constructor(
    private readonly config: CrmConfig,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.pool = mysql.createPool({ ...this.connectionOptions(), connectionLimit: config.poolMax,
      maxIdle: config.poolMax > 1 ? config.poolMax - 1 : 1,
      idleTimeout: config.idleTimeoutMs,
      waitForConnections: true,
      queueLimit: 0,
      resetOnRelease: false,
    });
    // The CRM's DATETIME columns hold UTC: every connection works in UTC.
    this.pool.pool.on('connection', (connection) => {
      // With a callback: a failure here must not become an unhandled 'error' event.
      connection.query("SET time_zone = '+00:00'", () => {});
    });
  }

  /** Opens the warm connection now and keeps one open from then on. */
  start(): void {
    const everyMs = Math.max(200, Math.min(5_000, this.config.idleTimeoutMs / 2));
    this.warmTimer = setInterval(() => void this.keepWarm(), everyMs);
    this.warmTimer.unref();
    void this.keepWarm();
  }

  /** A pooled connection within the acquire timeout; failures are `unavailable` (nothing was sent). */
  async acquire(): Promise<CrmConnection> {
    if (this.closed) throw new CrmWriteError('unavailable', 'the CRM pool is closed');
    const pending = this.pool.getConnection();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CrmWriteError('unavailable', `no CRM connection within ${this.config.acquireTimeoutMs} ms (CRM_MYSQL_ACQUIRE_TIMEOUT_S)`)),
        this.config.acquireTimeoutMs,
      );
    });
    try {
      const connection = await Promise.race([pending, timeout]);
      this.reachable = true;
      this.reportUsage();
      return connection;
    } catch (error) {
      // Too late for this caller: whatever arrives later goes straight back.
      pending.then((late) => late.release(), () => {});
      this.reachable = false;
      if (error instanceof CrmWriteError) throw error;
      throw new CrmWriteError('unavailable', `cannot connect to the CRM: ${(error as Error).message}`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  release(connection: CrmConnection): void {
    connection.release();
    this.reportUsage();
  }

  /**
   * Gives up on a connection whose statement has no answer: KILL it server-side first (while
   * its socket is still open, the server cannot have ended it on its own), then drop the socket.
   */
  async abandon(connection: CrmConnection): Promise<void> {
    const threadId = connection.connection.threadId;
    let killer: mysql.Connection | undefined;
    try {
      if (threadId === null || threadId === undefined) return;
      killer = await mysql.createConnection({ ...this.connectionOptions(), connectTimeout: 2_000 });
      await killer.query({ sql: `KILL ${Number(threadId)}`, timeout: 2_000 });
      this.logger.warn({ threadId }, 'killed the stuck CRM connection');
    } catch (error) {
      // ER_NO_SUCH_THREAD: it ended on its own. Anything else: its rows stay in doubt anyway.
      const gone = (error as { errno?: number }).errno === 1094;
      this.logger.warn({ threadId, error: errorFields(error) }, gone
        ? 'the stuck CRM connection had already ended'
        : 'could not KILL the stuck CRM connection (its rows stay in doubt)');
    } finally {
      killer?.destroy();
      connection.destroy();
      this.reportUsage();
    }
  }

  /** Pooled connections: in use and open (mysql2 keeps the counts in its internals). */
  usage(): { inUse: number; open: number } {
    const inner = this.pool.pool as unknown as { _allConnections?: { length: number }; _freeConnections?: { length: number } };
    const open = inner._allConnections?.length ?? 0;
    return { inUse: open - (inner._freeConnections?.length ?? 0), open };
  }

  /** Closes every connection, in use or not; bounded: whatever does not say goodbye is destroyed. */
  async close(graceMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.warmTimer);
    const inner = this.pool.pool as unknown as { _allConnections?: { toArray?: () => Array<{ destroy(): void }> } };
    const all = inner._allConnections?.toArray?.() ?? [];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.pool.end().catch(() => {}),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    for (const connection of all) connection.destroy();
    this.reportUsage();
  }

  /**
   * Tops the pool up to `poolMin` (at least 1) open connections: takes that many at once (the
   * pool hands out its idle ones and opens the rest), pings each, gives them back.
   */
  private async keepWarm(): Promise<void> {
    const want = Math.min(this.config.poolMax, Math.max(1, this.config.poolMin));
    if (this.closed || this.warming || this.usage().open >= want) return;
    this.warming = true;
    try {
      const taken = await Promise.allSettled(Array.from({ length: want }, () => this.acquire()));
      await Promise.all(taken.map(async (result) => {
        if (result.status === 'rejected') return; // The CRM is down: the next tick tries again.
        try {
          await result.value.query({ sql: 'SELECT 1', timeout: this.config.writeTimeoutMs });
          this.release(result.value);
        } catch {
          result.value.destroy();
        }
      }));
    } finally {
      this.warming = false;
    }
  }

  private connectionOptions(): mysql.ConnectionOptions {
    return {
      host: this.config.host,
      port: this.config.port,
      user: this.config.user,
      password: this.config.password,
      database: this.config.database,
      charset: 'UTF8MB4_UNICODE_CI',
      timezone: 'Z',
      dateStrings: true,
      connectTimeout: Math.min(this.config.acquireTimeoutMs, 10_000),
      enableKeepAlive: true,
    };
  }

  private reportUsage(): void {
    const { inUse, open } = this.usage();
    this.metrics.crmPool(inUse, open);
  }
}
