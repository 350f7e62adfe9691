import type { Direction } from '../../domain/message.js';

/** Resources with a configured bound (SPEC §9). */
export type LimitedResource = 'webhook_inflight_bytes' | 'event_streams' | 'http_connections' | 'read_queue' | 'read_cache' | 'read_summaries';

export type CrmWriteOutcome = 'ok' | 'failed' | 'timeout' | 'rejected';

/** What happened to a change whose message was not stored: kept (or merged into the one kept), or dropped after DEFERRED_CHANGE_TTL_H. */
export const DEFERRED_OUTCOMES = ['deferred', 'expired'] as const;
export type DeferredOutcome = (typeof DEFERRED_OUTCOMES)[number];

/** An API read page: kept bytes sent (`hit`), read from the store (`miss`), or the client's copy current (`not_modified`: a 304). */
export const READ_CACHE_OUTCOMES = ['hit', 'miss', 'not_modified'] as const;
export type ReadCacheOutcome = (typeof READ_CACHE_OUTCOMES)[number];

/** A profile look-up's fate in the budget: queued, over PROFILE_QUEUE_MAX, paused by Meta's rate limit, or not awaited by a CRM row. */
export type ProfileQueueEvent = 'queued' | 'overflow' | 'rate_limited' | 'wait_expired';

/** What the service counts. Adapters call it; the Prometheus adapter implements it. */
export interface Metrics {
  webhookRequest(status: number): void;
  /** One HTTP answer: how long from its first middleware until it was handed to the socket, by method and matched route pattern. */
  httpRequest(method: string, route: string, seconds: number): void;
  messagesStored(direction: Direction, count: number): void;
  /** One CRM write (a multi-row INSERT counts once, with its rows). */
  crmWrite(outcome: CrmWriteOutcome, seconds: number, rows: number): void;
  /** Pooled CRM connections in use and open. */
  crmPool(inUse: number, open: number): void;
  graphCall(operation: GraphOperation, outcome: 'ok' | 'error' | 'timeout', seconds: number): void;
  /** One Conversations API call (SPEC §11), by outcome. */
  historyCall(outcome: HistoryCallOutcome): void;
  /** Messages a history walk stored that igbridge did not have. */
  historyRecovered(count: number): void;
  /** When the last signed webhook was accepted (ms since the epoch). */
  webhookReceived(at: number): void;
  /** How much of a bounded resource is in use now. */
  limitInUse(resource: LimitedResource, value: number): void;
  /** A request or stream refused or cut by a limit, by its error code (`overloaded`, `too_many_streams`, …). */
  limitRefusal(code: string): void;
  /** How a read page was answered (ReadCacheOutcome). */
  readCache(outcome: ReadCacheOutcome): void;
  deferredChanges(outcome: DeferredOutcome, count: number): void;
  profileQueue(event: ProfileQueueEvent, waiting: number): void;
  /** One token refresh (SPEC §12): `ok`, `invalid` (Meta said 190), `error` (retried later). */
  tokenRefresh(outcome: 'ok' | 'invalid' | 'error'): void;
  /** Messages stored for an account igbridge has no token for (an `entry[].id` not among the accounts). */
  unknownAccountMessages(count: number): void;
}

export type GraphOperation = 'send' | 'profile' | 'history' | 'account';
export type HistoryCallOutcome = 'ok' | 'unavailable' | 'rate_limited' | 'token_invalid' | 'error' | 'timeout';
