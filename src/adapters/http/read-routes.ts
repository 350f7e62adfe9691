import Router from '@koa/router';
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { EXACT_PATHS } from './route-matching.js';
import type { ConversationReader, ConversationSummary } from '../../application/ports/conversation-reader.js';
import { isMetaId, META_ID_RULE } from '../../domain/meta-id.js';
import { HttpError } from './http-error.js';
import { ifNoneMatchNames } from './if-none-match.js';
import { conversationJson, messageJson } from './presenters.js';
import type { ConversationPageAnswer, MessagePageAnswer } from './schemas/answers.js';
import { accountParam, beforeParam, cursorString, limitParam } from './query.js';
import type { ReadPageCache } from './read-page-cache.js';
import type { ReadSize, ReadTurns } from './read-turns.js';

/** A page is kept by the client (its own data: private) and asked again each time with its ETag (none without a mark). */
function setValidator(ctx: Context, tag: string | null): void {
  ctx.set('Cache-Control', 'private, no-cache');
  if (tag !== null) ctx.set('ETag', tag);
}

/**
 * `GET /api/conversations` and `GET /api/conversations/:userId/messages` (bearer checked by the
 * caller); `account_id` keeps one account's (SPEC §12). Each page takes its turn (ReadTurns) and
 * is serialized in it: the clients that asked the same page while it waited are sent its bytes,
 * and so are those that ask it again before anything it shows changes (ReadPageCache).
 *
 * Each page has an `ETag` made of its question and the change mark it was read under (with an id
 * of this process: the marks start again at a restart), so a client that sends it back in
 * `If-None-Match` is answered `304 Not Modified`, without a body, while nothing the page shows
 * has changed — a browser's inbox tab does this by itself (`Cache-Control: private, no-cache`).
 * A store that gives no mark (PostgreSQL) gives no ETag: every page is sent whole.
 */
export function readRoutes(reader: ConversationReader, turns: ReadTurns, cache: ReadPageCache): Router {
  const router = new Router(EXACT_PATHS);
  const instance = randomBytes(6).toString('base64url');
  /**
   * The validators of one question's pages: this process, the question (hashed once, when a first
   * tag is made), the mark a page was read under (none without a mark: no hash at all).
   */
  const taggerOf = (question: string) => {
    let name: string | undefined;
    return (mark: string | null) => {
      if (mark === null) return null;
      name ??= `${instance}.${createHash('sha1').update(question).digest('base64url').slice(0, 12)}`;
      return `"${name}.${mark}"`;
    };
  };

  /**
   * Answers the page: `304` when the client's `If-None-Match` names it as it is now; else the
   * bytes kept while the store's change mark says nothing they show changed (at once, no turn),
   * or read in a turn and kept under the mark taken before the read. `userId`: the thread's
   * customer, null for the list.
   */
  const page = async (ctx: Context, question: string, userId: string | null, size: ReadSize, answer: () => Promise<string>): Promise<void> => {
    const tagOf = taggerOf(question);
    const mark = reader.changeMark(userId);
    const tag = tagOf(mark);
    if (tag !== null && ifNoneMatchNames(ctx.get('if-none-match'), tag)) {
      ctx.status = 304;
      setValidator(ctx, tag);
      cache.revalidated();
      return;
    }
    const kept = cache.get(question, mark);
    const sent = kept
      ? { bytes: kept, tag }
      : await turns.run(
          async () => {
            const readUnder = reader.changeMark(userId);
            const bytes = Buffer.from(await answer());
            cache.set(question, readUnder, bytes);
            return { bytes, tag: tagOf(readUnder) };
          },
          { key: question, size },
        );
    setValidator(ctx, sent.tag);
    ctx.type = 'json';
    ctx.body = sent.bytes;
  };

  router.get('/api/conversations', async (ctx) => {
    const limit = limitParam(ctx.query);
    const before = beforeParam(ctx.query);
    const accountId = accountParam(ctx.query);
    const answer = async () => {
      const conversations = await reader.conversations({ limit, before, accountId });
      const last = conversations.at(-1);
      return listJson(conversations, conversations.length === limit && last ? cursorString({ sentAt: last.lastMessage.sentAt, id: last.lastMessage.id }) : null);
    };
    await page(ctx, JSON.stringify(['list', limit, before, accountId]), null, { length: 'long', rows: limit }, answer);
  });

  router.get('/api/conversations/:userId/messages', async (ctx) => {
    const userId = ctx.params.userId!;
    if (!isMetaId(userId)) throw new HttpError(400, 'invalid_user_id', `the user id in the path must be an IGSID (${META_ID_RULE})`);
    const options = { limit: limitParam(ctx.query), before: beforeParam(ctx.query), accountId: accountParam(ctx.query) };
    const answer = async () => {
      const { messages, nextBefore } = await reader.messages(userId, options);
      return JSON.stringify({ user_id: userId, messages: messages.map(messageJson), next_before: cursorString(nextBefore) } satisfies MessagePageAnswer);
    };
    await page(ctx, JSON.stringify(['thread', userId, options]), userId, { length: 'short', rows: options.limit }, answer);
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
