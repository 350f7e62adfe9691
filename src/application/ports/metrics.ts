import type { Direction } from '../../domain/message.js';

export type CrmWriteOutcome = 'ok' | 'failed' | 'timeout' | 'rejected';

/** What the service counts. Adapters call it; the Prometheus adapter implements it. */
export interface Metrics {
  webhookRequest(status: number): void;
  messagesStored(direction: Direction, count: number): void;
  /** One CRM write (a multi-row INSERT counts once, with its rows). */
  crmWrite(outcome: CrmWriteOutcome, seconds: number, rows: number): void;
  /** Pooled CRM connections in use and open. */
  crmPool(inUse: number, open: number): void;
  graphCall(operation: 'send' | 'profile', outcome: 'ok' | 'error' | 'timeout', seconds: number): void;
}
