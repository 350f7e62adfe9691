import Router from '@koa/router';
import { EXACT_PATHS } from './route-matching.js';
import type { SendMessage } from '../../application/send-message.js';
import { messageJson } from './presenters.js';
import { parseJson, readRawBody } from './raw-body.js';
import { toOutgoingMessage } from './schemas/send-request.js';

/** A send body is small: 1,000 bytes of text or one URL. */
const MAX_SEND_BODY_BYTES = 64 * 1024;

/** `POST /api/messages` (bearer checked by the caller): validate, send through Meta, answer 201 with the stored message. */
export function sendRoutes(send: SendMessage, bodyTimeoutMs: number): Router {
  const router = new Router(EXACT_PATHS);

  router.post('/api/messages', async (ctx) => {
    const body = parseJson(await readRawBody(ctx.req, { maxBytes: MAX_SEND_BODY_BYTES, timeoutMs: bodyTimeoutMs }));
    const message = await send.execute(toOutgoingMessage(body));
    ctx.status = 201;
    ctx.set('Location', `/api/conversations/${encodeURIComponent(message.customerId)}/messages`);
    ctx.body = messageJson(message);
  });

  return router;
}
