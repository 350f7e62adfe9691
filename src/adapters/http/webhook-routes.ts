import Router from '@koa/router';
import { EXACT_PATHS } from './route-matching.js';
import type { Logger } from 'pino';
import type { ReceiveMessage } from '../../application/receive-message.js';
import type { Config } from '../../config.js';
import { HttpError } from './http-error.js';
import { parseJson, readRawBody } from './raw-body.js';
import { sameSecret, signatureMatches } from './signature.js';
import { parseWebhook } from './webhook/parse-webhook.js';

export interface WebhookDeps {
  config: Pick<Config, 'instagram'>;
  receive: ReceiveMessage;
  logger: Logger;
  now: () => number;
}

/** `GET` (Meta's subscription handshake) and `POST` (events) on `/webhooks/instagram`. */
export function webhookRoutes({ config, receive, logger, now }: WebhookDeps): Router {
  const router = new Router(EXACT_PATHS);

  router.get('/webhooks/instagram', (ctx) => {
    const { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': challenge } = ctx.query;
    const expected = config.instagram.verifyToken;
    if (mode !== 'subscribe' || typeof token !== 'string' || !expected || !sameSecret(token, expected)) {
      logger.warn({ mode }, 'webhook verification refused');
      throw new HttpError(403, 'verification_failed', 'hub.mode must be "subscribe" and hub.verify_token must match IG_VERIFY_TOKEN');
    }
    ctx.type = 'text/plain';
    ctx.body = typeof challenge === 'string' ? challenge : '';
  });

  router.post('/webhooks/instagram', async (ctx) => {
    const raw = await readRawBody(ctx.req);
    const secrets = config.instagram.appSecrets;
    if (secrets.length === 0) {
      logger.error('webhook refused: IG_APP_SECRET is not set, so no signature can be checked');
      throw new HttpError(401, 'signature_not_configured', 'IG_APP_SECRET is not set on the server');
    }
    const header = ctx.get('x-hub-signature-256');
    if (!header) throw new HttpError(401, 'missing_signature', 'the X-Hub-Signature-256 header is missing');
    if (!signatureMatches(raw, header, secrets)) {
      logger.warn({ bytes: raw.length }, 'webhook refused: signature does not match');
      throw new HttpError(401, 'invalid_signature', 'X-Hub-Signature-256 does not match the body');
    }
    const body = parseJson(raw);
    const { events, ignored } = parseWebhook(body, now());
    for (const line of ignored) logger.info({ event: line }, 'webhook event not stored');
    const result = await receive.execute(events);
    logger.debug({ stored: result.stored.length, duplicates: result.duplicates, applied: result.applied, deferred: result.deferred }, 'webhook processed');
    ctx.body = {
      status: 'ok',
      stored: result.stored.length,
      duplicates: result.duplicates,
      applied: result.applied,
      deferred: result.deferred,
      ignored: ignored.length,
    };
  });

  return router;
}
