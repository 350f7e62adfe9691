import { describe, expect, it } from 'vitest';
import { WebhookWatch } from '../../src/application/webhook-watch.js';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';

const MIN = 60_000;

describe('WebhookWatch', () => {
  it('when a pass recovers a message more than the alert time newer than the last webhook, then the state is silent until the next webhook', () => {
    const watch = new WebhookWatch(1_000 * MIN, 30 * MIN, noOpMetrics);

    expect(watch.recovered(1_030 * MIN)).toBe(false);
    expect(watch.health().state).toBe('ok');
    expect(watch.recovered(1_031 * MIN)).toBe(true);
    expect(watch.recovered(1_040 * MIN)).toBe(false); // already said
    expect(watch.health()).toEqual({ lastReceivedAt: 1_000 * MIN, state: 'silent' });

    watch.received(1_050 * MIN);
    expect(watch.health()).toEqual({ lastReceivedAt: 1_050 * MIN, state: 'ok' });
  });

  it('when no webhook ever arrived, then any recovered message means silent', () => {
    const watch = new WebhookWatch(null, 30 * MIN, noOpMetrics);

    expect(watch.recovered(1)).toBe(true);
    expect(watch.health()).toEqual({ lastReceivedAt: null, state: 'silent' });
  });
});
