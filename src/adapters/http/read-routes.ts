import Router from '@koa/router';
import type { Context } from 'koa';
import { EXACT_PATHS } from './route-matching.js';
import type { ConversationReader, ConversationSummary } from '../../application/ports/conversation-reader.js';
import { isMetaId, META_ID_RULE } from '../../domain/meta-id.js';
import { HttpError } from './http-error.js';
import { conversationJson, messageJson } from './presenters.js';
import type { ConversationPageAnswer, MessagePageAnswer } from './schemas/answers.js';
import { accountParam, beforeParam, cursorString, limitParam } from './query.js';
import type { ReadPageCache } from './read-page-cache.js';
import type { ReadSize, ReadTurns } from './read-turns.js';

/**
 * `GET /api/conversations` and `GET /api/conversations/:userId/messages` (bearer checked by the
 * caller); `account_id` keeps one account's (SPEC §12). Each page takes its turn (ReadTurns) and
 * is serialized in it: the clients that asked the same page while it waited are sent its bytes,
 * and so are those that ask it again before anything it shows changes (ReadPageCache).
 */
export function readRoutes(reader: ConversationReader, turns: ReadTurns, cache: ReadPageCache): Router {
  const router = new Router(EXACT_PATHS);

  /**
   * The page's bytes: kept ones while the store's change mark says nothing they show changed
   * (answered at once, no turn), else read in a turn and kept under the mark taken before the
   * read. `userId`: the thread's customer, null for the list.
   */
  const page = (question: string, userId: string | null, size: ReadSize, answer: () => Promise<string>): Buffer | Promise<Buffer> =>
    cache.get(question, reader.changeMark(userId)) ??
    turns.run(
      async () => {
        const mark = reader.changeMark(userId);
        const bytes = Buffer.from(await answer());
        cache.set(question, mark, bytes);
        return bytes;
      },
      { key: question, size },
    );

  router.get('/api/conversations', async (ctx) => {
    const limit = limitParam(ctx.query);
    const before = beforeParam(ctx.query);
    const accountId = accountParam(ctx.query);
    const answer = async () => {
      const conversations = await reader.conversations({ limit, before, accountId });
      const last = conversations.at(-1);
      return listJson(conversations, conversations.length === limit && last ? cursorString({ sentAt: last.lastMessage.sentAt, id: last.lastMessage.id }) : null);
    };
    sendJson(ctx, await page(JSON.stringify(['list', limit, before, accountId]), null, { length: 'long', rows: limit }, answer));
  });

  router.get('/api/conversations/:userId/messages', async (ctx) => {
    const userId = ctx.params.userId!;
    if (!isMetaId(userId)) throw new HttpError(400, 'invalid_user_id', `the user id in the path must be an IGSID (${META_ID_RULE})`);
    const options = { limit: limitParam(ctx.query), before: beforeParam(ctx.query), accountId: accountParam(ctx.query) };
    const answer = async () => {
      const { messages, nextBefore } = await reader.messages(userId, options);
      return JSON.stringify({ user_id: userId, messages: messages.map(messageJson), next_before: cursorString(nextBefore) } satisfies MessagePageAnswer);
    };
    sendJson(ctx, await page(JSON.stringify(['thread', userId, options]), userId, { length: 'short', rows: options.limit }, answer));
  });

  return router;
}

/** Each list row's JSON, for as long as the reader gives the same row object (it keeps those whose customer did not change). */
const rowJson = new WeakMap<ConversationSummary, string>();

/** The list page's JSON (a ConversationPageAnswer), each row serialized once while the reader keeps it. */
function listJson(conversations: ConversationSummary[], nextBefore: string | null): string {
  const rows = conversations.map((summary) => {
    let json = rowJson.get(summary);
    if (json === undefined) rowJson.set(summary, (json = JSON.stringify(conversationJson(summary))));
    return json;
  });
  return `{"conversations":[${rows.join(',')}],"next_before":${JSON.stringify(nextBefore satisfies ConversationPageAnswer['next_before'])}}`;
}

function sendJson(ctx: Context, body: Buffer): void {
  ctx.type = 'json';
  ctx.body = body;
}
