import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsExporter } from '../../application/ports/metrics-exporter.js';
import { DEFERRED_OUTCOMES, READ_CACHE_OUTCOMES } from '../../application/ports/metrics.js';
import type { CrmWriteOutcome, DeferredOutcome, GraphOperation, HistoryCallOutcome, LimitedResource, Metrics, ProfileQueueEvent, ReadCacheOutcome } from '../../application/ports/metrics.js';
import type { CrmStatusReport } from '../../application/ports/crm-status.js';
import type { Direction } from '../../domain/message.js';

type Backlog = () => Promise<Pick<CrmStatusReport, 'pending' | 'failed' | 'not_mirrored'>>;
type AccountsSource = () => Array<{ id: string; tokenState: string; expiresAt: number | null }>;

/**
 * The Metrics port in Prometheus terms. Each instance has its own registry (never prom-client's
 * global one), so two services in one process — tests — count apart.
 */
export class PrometheusMetrics implements Metrics, MetricsExporter {
  readonly registry = new Registry();
  private backlogSource: Backlog | null = null;
  private accountsSource: { list: AccountsSource; now: () => number } | null = null;

  private readonly webhookRequests = new Counter({
    name: 'igbridge_webhook_requests_total',
    help: 'POST /webhooks/instagram requests, by HTTP status answered',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly stored = new Counter({
    name: 'igbridge_messages_stored_total',
    help: 'Messages newly committed to SQLite, by direction',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  private readonly crmWrites = new Counter({
    name: 'igbridge_crm_writes_total',
    help: 'CRM writes (one INSERT, possibly multi-row), by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly crmRows = new Counter({
    name: 'igbridge_crm_rows_total',
    help: 'Messages carried by CRM writes, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'igbridge_http_request_duration_seconds',
    help: 'Time from an HTTP request\'s first middleware until its answer was handed to the socket, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly crmDuration = new Histogram({
    name: 'igbridge_crm_write_duration_seconds',
    help: 'Time one CRM write took, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly poolInUse = new Gauge({
    name: 'igbridge_crm_pool_connections_in_use',
    help: 'Pooled CRM connections currently lent to a write',
    registers: [this.registry],
  });
  private readonly poolOpen = new Gauge({
    name: 'igbridge_crm_pool_connections_open',
    help: 'Pooled CRM connections currently open',
    registers: [this.registry],
  });
  private readonly storePool = new Gauge({
    name: 'igbridge_pg_pool_connections',
    help: 'PostgreSQL connections of this instance (DATABASE_URL): open, idle, and callers waiting for one (bounded by PG_POOL_MAX)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  private storePoolSource: (() => { open: number; idle: number; waiting: number }) | undefined;
  private readonly graphCalls = new Counter({
    name: 'igbridge_graph_calls_total',
    help: 'Calls to the Instagram Graph API, by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly graphDuration = new Histogram({
    name: 'igbridge_graph_call_duration_seconds',
    help: 'Time one Graph API call took, by operation',
    labelNames: ['operation'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly historyCalls = new Counter({
    name: 'igbridge_history_calls_total',
    help: 'Conversations API calls (history import and reconciliation), by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly recovered = new Counter({
    name: 'igbridge_history_recovered_total',
    help: 'Messages a reconciliation pass stored that the webhooks never delivered',
    registers: [this.registry],
  });
  private readonly webhookLast = new Gauge({
    name: 'igbridge_webhook_last_received_timestamp_seconds',
    help: 'When the last signed webhook delivery was accepted (Unix time); 0 when none yet',
    registers: [this.registry],
  });
  private readonly limitUse = new Gauge({
    name: 'igbridge_limit_in_use',
    help: 'Use of a bounded resource: webhook body bytes buffered, event streams open, HTTP connections open',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });
  private readonly limitRefusals = new Counter({
    name: 'igbridge_limit_refusals_total',
    help: 'Requests or streams refused or cut by a limit, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly readPages = new Counter({
    name: 'igbridge_read_cache_total',
    help: 'API read pages answered from the read cache (hit), read from the local database (miss), or answered 304 to If-None-Match (not_modified)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly deferred = new Counter({
    name: 'igbridge_deferred_changes_total',
    help: 'Changes (unsend, reaction, read, edit) for a message not stored yet: deferred (kept once per mid and kind), or expired after DEFERRED_CHANGE_TTL_H',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly profileEvents = new Counter({
    name: 'igbridge_profile_queue_events_total',
    help: 'Profile look-up queue: queued, overflow (beyond PROFILE_QUEUE_MAX, looked up later), rate_limited (Meta said slow down), wait_expired (a CRM row used the user id)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  private readonly profileWaiting = new Gauge({
    name: 'igbridge_profile_queue_waiting',
    help: 'Customers waiting for a profile look-up',
    registers: [this.registry],
  });

  private readonly tokenExpiry = new Gauge({
    name: 'igbridge_account_token_expiry_seconds',
    help: "Seconds until the account's access token expires (known once igbridge has refreshed it; negative: expired)",
    labelNames: ['account'] as const,
    registers: [this.registry],
  });
  private readonly tokenStates = new Gauge({
    name: 'igbridge_account_token_state',
    help: "1 for the account's token state: ok, expiring (under TOKEN_WARN_DAYS left), invalid (Meta said 190, or expired)",
    labelNames: ['account', 'state'] as const,
    registers: [this.registry],
  });
  private readonly tokenRefreshes = new Counter({
    name: 'igbridge_token_refreshes_total',
    help: 'Access token refreshes, by outcome: ok, invalid (Meta said 190), error (retried later)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly unknownAccount = new Counter({
    name: 'igbridge_unknown_account_messages_total',
    help: 'Messages stored for an Instagram account igbridge has no token for (a webhook entry id not among its accounts)',
    registers: [this.registry],
  });

  private readonly pending = new Gauge({
    name: 'igbridge_crm_pending',
    help: 'Messages waiting to be written to the CRM (the mirror writes them on its own)',
    registers: [this.registry],
  });
  private readonly backlog = new Gauge({
    name: 'igbridge_crm_backlog',
    help: 'The same as igbridge_crm_pending (kept for compatibility)',
    registers: [this.registry],
  });
  private readonly failed = new Gauge({
    name: 'igbridge_crm_failed',
    help: 'Messages the CRM kept rejecting (left for crm:backfill)',
    registers: [this.registry],
  });
  private readonly notMirrored = new Gauge({
    name: 'igbridge_crm_not_mirrored',
    help: 'Messages stored while the CRM mirror was off (waiting for crm:backfill)',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    for (const direction of ['in', 'out'] as const) this.stored.inc({ direction }, 0);
    for (const resource of ['webhook_inflight_bytes', 'event_streams', 'http_connections'] as const) this.limitUse.set({ resource }, 0);
    for (const outcome of DEFERRED_OUTCOMES) this.deferred.inc({ outcome }, 0);
    for (const outcome of READ_CACHE_OUTCOMES) this.readPages.inc({ outcome }, 0);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'igbridge_' });
  }

  /** Where the backlog gauges read from at scrape time (the CrmStatus port). */
  watchBacklog(source: Backlog): void {
    this.backlogSource = source;
  }

  /** Where the account gauges read from at scrape time (the accounts and their token state). */
  watchAccounts(list: AccountsSource, now: () => number): void {
    this.accountsSource = { list, now };
  }

  /** Where the PostgreSQL pool gauges read from at scrape time (only with DATABASE_URL). */
  watchStorePool(source: () => { open: number; idle: number; waiting: number }): void {
    this.storePoolSource = source;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One read of the CRM status per scrape; if it fails (database busy) the gauges keep their last values. */
  async text(): Promise<string> {
    const status = await this.backlogSource?.().catch(() => null);
    if (status) {
      this.pending.set(status.pending);
      this.backlog.set(status.pending);
      this.failed.set(status.failed);
      this.notMirrored.set(status.not_mirrored);
    }
    this.readAccounts();
    const pool = this.storePoolSource?.();
    if (pool) for (const state of ['open', 'idle', 'waiting'] as const) this.storePool.set({ state }, pool[state]);
    return this.registry.metrics();
  }

  /** The account gauges, rewritten from the accounts (one removed disappears); kept as they were if the read fails. */
  private readAccounts(): void {
    if (!this.accountsSource) return;
    let accounts;
    try {
      accounts = this.accountsSource.list();
    } catch {
      return;
    }
    const now = this.accountsSource.now();
    this.tokenExpiry.reset();
    this.tokenStates.reset();
    for (const account of accounts) {
      if (account.expiresAt !== null) this.tokenExpiry.set({ account: account.id }, Math.round((account.expiresAt - now) / 1000));
      for (const state of ['ok', 'expiring', 'invalid']) this.tokenStates.set({ account: account.id, state }, account.tokenState === state ? 1 : 0);
    }
  }

  tokenRefresh(outcome: 'ok' | 'invalid' | 'error'): void {
    this.tokenRefreshes.inc({ outcome });
  }

  unknownAccountMessages(count: number): void {
    if (count > 0) this.unknownAccount.inc(count);
  }

  webhookRequest(status: number): void {
    this.webhookRequests.inc({ status: String(status) });
  }

  httpRequest(method: string, route: string, seconds: number): void {
    this.httpDuration.observe({ method, route }, seconds);
  }

  messagesStored(direction: Direction, count: number): void {
    if (count > 0) this.stored.inc({ direction }, count);
  }

  crmWrite(outcome: CrmWriteOutcome, seconds: number, rows: number): void {
    this.crmWrites.inc({ outcome });
    if (rows > 0) this.crmRows.inc({ outcome }, rows);
    this.crmDuration.observe({ outcome }, seconds);
  }

  crmPool(inUse: number, open: number): void {
    this.poolInUse.set(inUse);
    this.poolOpen.set(open);
  }

  graphCall(operation: GraphOperation, outcome: 'ok' | 'error' | 'timeout', seconds: number): void {
    this.graphCalls.inc({ operation, outcome });
    this.graphDuration.observe({ operation }, seconds);
  }

  historyCall(outcome: HistoryCallOutcome): void {
    this.historyCalls.inc({ outcome });
  }

  historyRecovered(count: number): void {
    if (count > 0) this.recovered.inc(count);
  }

  webhookReceived(at: number): void {
    this.webhookLast.set(at / 1000);
  }

  limitInUse(resource: LimitedResource, value: number): void {
    this.limitUse.set({ resource }, value);
  }

  limitRefusal(code: string): void {
    this.limitRefusals.inc({ code });
  }

  readCache(outcome: ReadCacheOutcome): void {
    this.readPages.inc({ outcome });
  }

  deferredChanges(outcome: DeferredOutcome, count: number): void {
    if (count > 0) this.deferred.inc({ outcome }, count);
  }

  profileQueue(event: ProfileQueueEvent, waiting: number): void {
    this.profileEvents.inc({ event });
    this.profileWaiting.set(waiting);
  }
}
