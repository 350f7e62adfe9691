import type { Logger } from 'pino';
import type { AccountViews } from '../../application/account-views.js';
import type { ImportHistory } from '../../application/import-history.js';
import type { HistoryCheckpoints } from '../../application/ports/history-checkpoints.js';
import type { Metrics } from '../../application/ports/metrics.js';
import type { WebhookWatch } from '../../application/webhook-watch.js';
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import { DomainError } from '../../domain/errors.js';

/** Each pass re-reads this much before the last high-water mark (Meta's lists settle late). */
const OVERLAP_MS = 10 * 60_000;
/** The first pass ever looks back this far (`npm run history:import` fetches older history). */
const FIRST_LOOKBACK_MS = 24 * 3_600_000;

/**
 * SPEC §11 reconciliation: every HISTORY_SYNC_INTERVAL_M a pass over the conversations updated
 * since the last one stores what the webhooks did not bring — each account in turn, skipping
 * those whose token Meta refused (SPEC §12) until they get a new one. One pass at a time, in the
 * background (its Graph calls wait on the budget, its writes are ordinary store commits);
 * close() aborts a pass in progress, which resumes from its checkpoint at the next start.
 */
export class HistorySync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly importer: ImportHistory,
    private readonly accounts: AccountViews,
    private readonly checkpoints: HistoryCheckpoints,
    private readonly watch: WebhookWatch,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly config: Config['history'],
  ) {}

  start(): void {
    this.logger.info({ everyMinutes: this.config.syncIntervalMs / 60_000, callsPerSecond: this.config.callsPerSecond }, 'history sync on');
    this.schedule();
  }

  async close(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.abort.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().then((again) => {
        this.running = undefined;
        if (again) this.schedule();
      });
    }, this.config.syncIntervalMs);
  }

  /** One pass over every account whose token works; false when shutting down. */
  private async pass(): Promise<boolean> {
    for (const account of this.accounts.list()) {
      if (account.tokenState === 'invalid') continue;
      if (!(await this.passFor(account.id))) return false;
    }
    return true;
  }

  /** One account's pass; false when the sync must stop (shutting down). */
  private async passFor(account: string): Promise<boolean> {
    const highWater = (await this.checkpoints.load('sync', account))?.highWater ?? null;
    const since = highWater === null ? this.clock.now() - FIRST_LOOKBACK_MS : highWater - OVERLAP_MS;
    try {
      const { tally, resumed } = await this.importer.execute({ walk: 'sync', account, since, signal: this.abort.signal });
      this.metrics.historyRecovered(tally.imported);
      const summary = { account, conversations: tally.conversations, recovered: tally.imported, known: tally.known, unavailable: tally.unavailable, resumed };
      if (tally.imported > 0) this.logger.warn(summary, `history sync recovered ${tally.imported} message(s) the webhooks did not deliver`);
      else this.logger.info(summary, 'history sync pass done: nothing missing');
      if (tally.newestImported !== null && this.watch.recovered(tally.newestImported)) this.alarm(tally.newestImported);
      return true;
    } catch (error) {
      const code = error instanceof DomainError ? error.code : null;
      if (code === 'history_stopped') return false;
      if (code === 'history_token_invalid') {
        // The account is marked invalid (its passes wait for a new token); the others go on.
        this.logger.error({ account, err: { message: (error as Error).message } }, (error as Error).message);
        return true;
      }
      this.logger.warn({ account, err: error, code }, 'history sync pass failed: the next pass resumes where it stopped');
      return true;
    }
  }

  private alarm(newest: number): void {
    const { lastReceivedAt } = this.watch.health();
    const last = lastReceivedAt === null ? 'no webhook since igbridge started storing messages' : `the last webhook arrived at ${new Date(lastReceivedAt).toISOString()}`;
    this.logger.error(
      { newestRecovered: new Date(newest).toISOString(), lastWebhookAt: lastReceivedAt === null ? null : new Date(lastReceivedAt).toISOString(), alertMinutes: this.config.silenceAlertMs / 60_000 },
      `webhooks look silent: the history sync recovered a message sent at ${new Date(newest).toISOString()}, but ${last}. ` +
        'Meta is probably not delivering webhooks. In the Meta app dashboard check: Instagram > Webhooks (the callback URL ending in /webhooks/instagram is verified and the "messages" field is subscribed), ' +
        'that the app is Live (in Development mode only people with a role on the app are delivered), and that the Instagram account is still connected to the app with "Allow access to messages" on (Instagram app: Settings > Messages and story replies > Message controls > Connected tools).',
    );
  }
}
