import Router from '@koa/router';
import type { Context } from 'koa';
import { EXACT_PATHS } from './route-matching.js';
import type { ConversationReader } from '../../application/ports/conversation-reader.js';
import { isMetaId, META_ID_RULE } from '../../domain/meta-id.js';
import { HttpError } from './http-error.js';
import { conversationJson, messageJson } from './presenters.js';
import type { ConversationPageAnswer, MessagePageAnswer } from './schemas/answers.js';
import { accountParam, beforeParam, cursorString, limitParam } from './query.js';
import type { ReadTurns } from './read-turns.js';

/**
 * `GET /api/conversations` and `GET /api/conversations/:userId/messages` (bearer checked by the
 * caller); `account_id` keeps one account's (SPEC §12). Each page takes its turn (ReadTurns) and
 * is serialized in it: the clients that asked the same page while it waited are sent its bytes.
 */
export function readRoutes(reader: ConversationReader, turns: ReadTurns): Router {
  const router = new Router(EXACT_PATHS);

  router.get('/api/conversations', async (ctx) => {
    const limit = limitParam(ctx.query);
    const before = beforeParam(ctx.query);
    const accountId = accountParam(ctx.query);
    const page = async (): Promise<ConversationPageAnswer> => {
      const conversations = await reader.conversations({ limit, before, accountId });
      const last = conversations.at(-1);
      return {
        conversations: conversations.map(conversationJson),
        next_before: conversations.length === limit && last ? cursorString({ sentAt: last.lastMessage.sentAt, id: last.lastMessage.id }) : null,
      };
    };
    sendJson(ctx, await turns.run(() => serialized(page), { key: JSON.stringify(['list', limit, before, accountId]), size: { length: 'long', rows: limit } }));
  });

  router.get('/api/conversations/:userId/messages', async (ctx) => {
    const userId = ctx.params.userId!;
    if (!isMetaId(userId)) throw new HttpError(400, 'invalid_user_id', `the user id in the path must be an IGSID (${META_ID_RULE})`);
    const options = { limit: limitParam(ctx.query), before: beforeParam(ctx.query), accountId: accountParam(ctx.query) };
    const page = async (): Promise<MessagePageAnswer> => {
      const { messages, nextBefore } = await reader.messages(userId, options);
      return { user_id: userId, messages: messages.map(messageJson), next_before: cursorString(nextBefore) };
    };
    sendJson(ctx, await turns.run(() => serialized(page), { key: JSON.stringify(['thread', userId, options]), size: { length: 'short', rows: options.limit } }));
  });

  return router;
}

/** The answer as JSON bytes, made once in the read's turn: clients sharing a page share its bytes too. */
async function serialized(answer: () => Promise<unknown>): Promise<Buffer> {
  return Buffer.from(JSON.stringify(await answer()));
}

function sendJson(ctx: Context, body: Buffer): void {
  ctx.type = 'json';
  ctx.body = body;
}
