import { createHash, randomBytes } from 'node:crypto';
import type { ConversationReader, ConversationSummary, Cursor } from '../../application/ports/conversation-reader.js';
import { isMetaId, META_ID_RULE } from '../../domain/meta-id.js';
import { HttpError } from './http-error.js';
import { ifNoneMatchNames } from './if-none-match.js';
import { conversationJson, messageJson } from './presenters.js';
import { accountParam, beforeParam, cursorString, limitParam, type Query } from './query.js';
import type { ReadPageCache } from './read-page-cache.js';
import type { ReadTurns } from './read-turns.js';
import type { ConversationPageAnswer, MessagePageAnswer } from './schemas/answers.js';

/** What a read page asks: the conversation list, or one customer's thread. */
export type PageQuestion =
  | { page: 'list'; limit: number; before: Cursor | null; accountId: string | null }
  | { page: 'thread'; userId: string; limit: number; before: Cursor | null; accountId: string | null };

/** `200` with the page's JSON bytes, or `304` (no bytes): the client's `If-None-Match` names the page as it is. */
export interface PageAnswer {
  status: 200 | 304;
  /** The page's ETag; null when the store gives no change mark. */
  tag: string | null;
  bytes: Buffer | null;
}

/** A page is kept by the client (its own data: private) and asked again each time with its ETag (none without a mark). */
const PAGE_CACHE_CONTROL = 'private, no-cache';

/** The headers of a page's answer, the same whichever path sends it (the Koa route, fastReads). */
export function pageHeaders(answer: PageAnswer): Record<string, string> {
  const headers: Record<string, string> = { 'Cache-Control': PAGE_CACHE_CONTROL };
  if (answer.tag !== null) headers.ETag = answer.tag;
  if (answer.status === 200) headers['Content-Type'] = 'application/json; charset=utf-8';
  return headers;
}

/** `GET /api/conversations`'s question (HttpError 400 naming a bad parameter). */
export function listQuestion(query: Query): PageQuestion {
  return { page: 'list', limit: limitParam(query), before: beforeParam(query), accountId: accountParam(query) };
}

/** `GET /api/conversations/:userId/messages`'s question (HttpError 400 naming a bad parameter). */
export function threadQuestion(userId: string, query: Query): PageQuestion {
  if (!isMetaId(userId)) throw new HttpError(400, 'invalid_user_id', `the user id in the path must be an IGSID (${META_ID_RULE})`);
  return { page: 'thread', userId, limit: limitParam(query), before: beforeParam(query), accountId: accountParam(query) };
}

/**
 * Makes the read pages. Each page takes its turn (ReadTurns) and is serialized in it: the clients
 * that asked the same page while it waited are sent its bytes, and so are those that ask it again
 * before anything it shows changes (ReadPageCache).
 *
 * Each page has an `ETag` made of its question and the change mark it was read under (with an id
 * of this process: the marks start again at a restart), so a
 * client that sends it back in `If-None-Match` is answered `304 Not Modified`, without a body,
 * while nothing the page shows has changed. A store that gives no mark (PostgreSQL) gives no
 * ETag: every page is sent whole.
 */
export class PageMaker {
  private readonly instance = randomBytes(6).toString('base64url');

  constructor(
    private readonly reader: ConversationReader,
    private readonly turns: ReadTurns,
    private readonly cache: ReadPageCache,
  ) {}

  /**
   * `304` when `ifNoneMatch` names the page as it is now; else the bytes kept while the store's
   * change mark says nothing they show changed (at once, no turn), or read in a turn and kept
   * under the mark taken before the read.
   */
  async answer(question: PageQuestion, ifNoneMatch: string | undefined): Promise<PageAnswer> {
    const key = questionKey(question);
    const userId = question.page === 'thread' ? question.userId : null;
    const tagOf = this.taggerOf(key);
    const mark = this.reader.changeMark(userId);
    const tag = tagOf(mark);
    if (tag !== null && ifNoneMatchNames(ifNoneMatch, tag)) {
      this.cache.revalidated();
      return { status: 304, tag, bytes: null };
    }
    const kept = this.cache.get(key, mark);
    if (kept) return { status: 200, tag, bytes: kept };
    const size = { length: question.page === 'list' ? 'long' : 'short', rows: question.limit } as const;
    return this.turns.run(
      async () => {
        const readUnder = this.reader.changeMark(userId);
        const bytes = Buffer.from(await this.json(question));
        this.cache.set(key, readUnder, bytes);
        return { status: 200 as const, tag: tagOf(readUnder), bytes };
      },
      { key, size },
    );
  }

  /**
   * The validators of one question's pages: this maker, the question (hashed once, when a first
   * tag is made), the mark a page was read under (none without a mark: no hash at all).
   */
  private taggerOf(key: string) {
    let name: string | undefined;
    return (mark: string | null) => {
      if (mark === null) return null;
      name ??= `${this.instance}.${createHash('sha1').update(key).digest('base64url').slice(0, 12)}`;
      return `"${name}.${mark}"`;
    };
  }

  private async json(question: PageQuestion): Promise<string> {
    const { limit, before, accountId } = question;
    if (question.page === 'list') {
      const conversations = await this.reader.conversations({ limit, before, accountId });
      const last = conversations.at(-1);
      return listJson(conversations, conversations.length === limit && last ? cursorString({ sentAt: last.lastMessage.sentAt, id: last.lastMessage.id }) : null);
    }
    const { userId } = question;
    const { messages, nextBefore } = await this.reader.messages(userId, { limit, before, accountId });
    return JSON.stringify({ user_id: userId, messages: messages.map(messageJson), next_before: cursorString(nextBefore) } satisfies MessagePageAnswer);
  }
}

/** The question as the key of its kept page and of its turn. */
function questionKey(question: PageQuestion): string {
  const { limit, before, accountId } = question;
  return question.page === 'list'
    ? JSON.stringify(['list', limit, before, accountId])
    : JSON.stringify(['thread', question.userId, { limit, before, accountId }]);
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
