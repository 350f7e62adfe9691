import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import type { SqliteDb } from './adapters/sqlite/database.js';
import type { NonBlockingMirror } from './application/crm-mirror/non-blocking-mirror.js';
import type { CrmOutbox } from './application/ports/crm-outbox.js';
import type { AccountStore } from './application/ports/account-store.js';
import type { TokenSchedule } from './application/token-schedule.js';
import type { Config } from './config.js';
import { NO_ACCOUNT_WARNING } from './startup-messages.js';
import { TOKENS } from './tokens.js';

interface Startable {
  start(): void;
}
interface Closable {
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts and stops what `buildContainer` wired, in order (the container itself only wires).
 * The service calls `start()` and, at the end, `stop()`; a CLI only `stop()`. Only what was
 * made is closed: a CLI that never touched SQLite does not open it to close it.
 */
export class Lifecycle {
  private readonly config: Config;
  private readonly logger: Logger;
  private opened: Promise<void> | undefined;

  constructor(private readonly c: DependencyContainer) {
    this.config = c.resolve<Config>(TOKENS.Config);
    this.logger = c.resolve<Logger>(TOKENS.Logger);
  }

  /**
   * Loads what synchronous reads answer from: the accounts (every delivery asks whose it is),
   * read from the store into memory. The service awaits it before it answers anything, a CLI
   * before it touches the accounts. Once: later calls share the first load.
   */
  open(): Promise<void> {
    return (this.opened ??= this.c.resolve<AccountStore>(TOKENS.AccountStore).open());
  }

  /**
   * The service's background work, once `open()` is done (it waits for it): the CRM connections,
   * then the mirror (it validates the table first), the accounts' tokens (the env pair becomes an
   * account, refreshes), the history sync. Resolves once the env pair is an account (or Meta
   * could not say whose it is: retried later).
   */
  async start(): Promise<void> {
    await this.open();
    const { crm, history } = this.config;
    if (crm.requested && !crm.enabled) {
      this.logger.warn({ missing: crm.missing }, `CRM mirror off: CRM_MYSQL_ENABLED=true but ${crm.missing.join(', ')} not set`);
    }
    if (crm.enabled) {
      const log = this.logger.child({ component: 'crm' });
      log.info({ host: crm.host, port: crm.port, database: crm.database, table: crm.table, user: crm.user, poolMax: crm.poolMax }, 'CRM mirror on');
      const waiting = (await this.c.resolve<CrmOutbox>(TOKENS.CrmOutbox).counts()).notMirrored;
      if (waiting > 0) log.warn({ notMirrored: waiting }, `${waiting} message(s) were stored while the CRM mirror was off: npm run crm:backfill sends them`);
      this.c.resolve<Startable>(TOKENS.CrmPool).start();
      this.c.resolve<NonBlockingMirror>(TOKENS.MessageMirror).start();
    }
    if (!this.config.instagram.accessToken && this.c.resolve<AccountStore>(TOKENS.AccountStore).list().length === 0) this.logger.warn(NO_ACCOUNT_WARNING);
    const accountsReady = this.c.resolve<TokenSchedule>(TOKENS.TokenSchedule).start();
    if (history.syncIntervalMs > 0) this.c.resolve<Startable>(TOKENS.HistorySync).start();
    await accountsReady;
  }

  /** Shutdown, top to bottom; every step is bounded. `stopHttp`: the service's HTTP server. */
  async stop(stopHttp?: () => Promise<void>): Promise<void> {
    // 1. HTTP: stop accepting, end the event streams, let the requests in flight finish.
    await stopHttp?.();
    // 2. The history sync: a pass in progress is aborted (it resumes from its checkpoint); the token refreshes.
    await this.made<Closable>(TOKENS.HistorySync)?.close();
    await this.made<Closable>(TOKENS.TokenSchedule)?.close();
    // 3. The CRM mirror: the write in flight finishes, or is abandoned (its rows stay in doubt).
    await this.made<NonBlockingMirror>(TOKENS.MessageMirror)?.close(Math.min(5_000, this.config.crm.writeTimeoutMs));
    // 4. Every CRM connection.
    await this.made<Closable>(TOKENS.CrmPool)?.close(2_000);
    // 5. Profile look-ups, queued and in flight (after the mirror, which asks for usernames; they write to SQLite).
    await this.made<Closable>(TOKENS.Usernames)?.close();
    await this.made<Closable>(TOKENS.ProfileLookup)?.close();
    // 6. SQLite, last.
    this.made<SqliteDb>(TOKENS.SqliteDatabase)?.$client.close();
  }

  /** The instance behind `token` if the container made one; never makes one. */
  private made<T>(token: symbol): T | undefined {
    return this.c.resolve<Set<symbol>>(TOKENS.Opened).has(token) ? this.c.resolve<T>(token) : undefined;
  }
}
