import Router from '@koa/router';
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
 * caller); `account_id` keeps one account's (SPEC §12). Each page takes its turn (ReadTurns).
 */
export function readRoutes(reader: ConversationReader, turns: ReadTurns): Router {
  const router = new Router(EXACT_PATHS);

  router.get('/api/conversations', async (ctx) => {
    const limit = limitParam(ctx.query);
    const before = beforeParam(ctx.query);
    const accountId = accountParam(ctx.query);
    const conversations = await turns.run(() => reader.conversations({ limit, before, accountId }), JSON.stringify(['list', limit, before, accountId]));
    const last = conversations.at(-1);
    const page: ConversationPageAnswer = {
      conversations: conversations.map(conversationJson),
      next_before: conversations.length === limit && last ? cursorString({ sentAt: last.lastMessage.sentAt, id: last.lastMessage.id }) : null,
    };
    ctx.body = page;
  });

  router.get('/api/conversations/:userId/messages', async (ctx) => {
    const userId = ctx.params.userId!;
    if (!isMetaId(userId)) throw new HttpError(400, 'invalid_user_id', `the user id in the path must be an IGSID (${META_ID_RULE})`);
    const options = { limit: limitParam(ctx.query), before: beforeParam(ctx.query), accountId: accountParam(ctx.query) };
    const page = await turns.run(() => reader.messages(userId, options), JSON.stringify(['thread', userId, options]));
    const answer: MessagePageAnswer = { user_id: userId, messages: page.messages.map(messageJson), next_before: cursorString(page.nextBefore) };
    ctx.body = answer;
  });

  return router;
}
