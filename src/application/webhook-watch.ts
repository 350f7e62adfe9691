import type { Metrics } from './ports/metrics.js';

export interface WebhookHealth {
  lastReceivedAt: number | null;
  state: 'ok' | 'silent';
}

/**
 * SPEC §11: is Meta still delivering webhooks? `silent` once a history pass recovers a
 * message more than WEBHOOK_SILENCE_ALERT_M newer than the last webhook (the subscription is
 * probably broken); `ok` again with the next webhook.
 */
export class WebhookWatch {
  private silent = false;

  constructor(
    private lastReceivedAt: number | null,
    private readonly alertMs: number,
    private readonly metrics: Metrics,
  ) {
    if (lastReceivedAt !== null) metrics.webhookReceived(lastReceivedAt);
  }

  /** A signed webhook delivery was accepted. */
  received(at: number): void {
    this.lastReceivedAt = at;
    this.silent = false;
    this.metrics.webhookReceived(at);
  }

  /** A pass stored messages the webhooks never brought; true when this makes the state `silent`. */
  recovered(newestSentAt: number): boolean {
    if (this.silent || newestSentAt - (this.lastReceivedAt ?? -Infinity) <= this.alertMs) return false;
    this.silent = true;
    return true;
  }

  health(): WebhookHealth {
    return { lastReceivedAt: this.lastReceivedAt, state: this.silent ? 'silent' : 'ok' };
  }
}
