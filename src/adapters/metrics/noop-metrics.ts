import type { Metrics } from '../../application/ports/metrics.js';

/** Counts nothing: for unit tests and tools that need no /metrics. */
export const noOpMetrics: Metrics = {
  webhookRequest: () => {},
  httpRequest: () => {},
  messagesStored: () => {},
  crmWrite: () => {},
  crmPool: () => {},
  graphCall: () => {},
  historyCall: () => {},
  historyRecovered: () => {},
  webhookReceived: () => {},
  limitInUse: () => {},
  limitRefusal: () => {},
  readCache: () => {},
  deferredChanges: () => {},
  profileQueue: () => {},
  tokenRefresh: () => {},
  unknownAccountMessages: () => {},
};
