import Router from '@koa/router';
import type { Context } from 'koa';
import { EXACT_PATHS } from './route-matching.js';
import type { Logger } from 'pino';
import type { ReceiveMessage } from '../../application/receive-message.js';
import type { WebhookWatch } from '../../application/webhook-watch.js';
import type { Config } from '../../config.js';
import { HttpError } from './http-error.js';
import type { InflightBudget } from './inflight-budget.js';
import { RefusalLog } from './refusal-log.js';
import { MAX_BODY_BYTES, parseJson, readRawBody } from './raw-body.js';
import { sameSecret, signatureMatches } from './signature.js';
import type { WebhookResultAnswer } from './schemas/answers.js';
import { parseWebhook } from './webhook/parse-webhook.js';

const WELL_FORMED_SIGNATURE = /^sha256=[0-9a-f]{64}$/i;

export interface WebhookDeps {
  config: Pick<Config, 'instagram' | 'limits'>;
  /** Caps the webhook bodies buffered at once (WEBHOOK_MAX_INFLIGHT_BYTES). */
  inflight: InflightBudget;
  receive: ReceiveMessage;
  logger: Logger;
  now: () => number;
  webhooks: WebhookWatch;
}

/** `GET` (Meta's subscription handshake) and `POST` (events) on `/webhooks/instagram`. */
export function webhookRoutes({ config, receive, logger, now, inflight, webhooks }: WebhookDeps): Router {
  const router = new Router(EXACT_PATHS);
  // Anybody can send these: a line each would let them write the log (RefusalLog).
  const refusals = new RefusalLog(logger, now);

  router.get('/webhooks/instagram', (ctx) => {
    const { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': challenge } = ctx.query;
    const expected = config.instagram.verifyToken;
    if (mode !== 'subscribe' || typeof token !== 'string' || !expected || !sameSecret(token, expected)) {
      refusals.refused('verification_failed', { mode }, 'webhook verification refused (hub.mode or hub.verify_token)');
      throw new HttpError(403, 'verification_failed', 'hub.mode must be "subscribe" and hub.verify_token must match IG_VERIFY_TOKEN');
    }
    ctx.type = 'text/plain';
    ctx.body = typeof challenge === 'string' ? challenge : '';
  });

  router.post('/webhooks/instagram', async (ctx) => {
    // Everything that can be refused without the body is refused before a byte of it is read.
    const secrets = config.instagram.appSecrets;
    if (secrets.length === 0) {
      refusals.refused('signature_not_configured', {}, 'webhook refused: IG_APP_SECRET is not set, so no signature can be checked; counted in igbridge_webhook_requests_total{status="401"}', 'error');
      throw new HttpError(401, 'signature_not_configured', 'IG_APP_SECRET is not set on the server');
    }
    const header = ctx.get('x-hub-signature-256');
    if (!header) throw new HttpError(401, 'missing_signature', 'the X-Hub-Signature-256 header is missing');
    if (!WELL_FORMED_SIGNATURE.test(header)) throw new HttpError(401, 'invalid_signature', 'X-Hub-Signature-256 must be sha256=<64 hex digits>');
    const lease = inflight.lease();
    try {
      const raw = await readRawBody(ctx.req, { maxBytes: MAX_BODY_BYTES, timeoutMs: config.limits.bodyTimeoutMs, lease });
      if (!signatureMatches(raw, header, secrets)) {
        refusals.refused('invalid_signature', { bytes: raw.length }, 'webhook refused: signature does not match; counted in igbridge_webhook_requests_total{status="401"}');
        throw new HttpError(401, 'invalid_signature', 'X-Hub-Signature-256 does not match the body');
      }
      await receiveBody(raw, ctx);
    } finally {
      lease.release();
    }
  });

  async function receiveBody(raw: Buffer, ctx: Context): Promise<void> {
    const body = parseJson(raw);
    const { events, ignored } = parseWebhook(body, now());
    for (const line of ignored) logger.info({ event: line }, 'webhook event not stored');
    const result = await receive.execute(events);
    webhooks.received(now());
    logger.debug({ stored: result.stored.length, duplicates: result.duplicates, applied: result.applied, deferred: result.deferred }, 'webhook processed');
    const answer: WebhookResultAnswer = {
      status: 'ok',
      stored: result.stored.length,
      duplicates: result.duplicates,
      applied: result.applied,
      deferred: result.deferred,
      ignored: ignored.length,
    };
    ctx.body = answer;
  }

  return router;
}
