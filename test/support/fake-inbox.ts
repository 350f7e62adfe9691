import type { FakeAnswer, RecordedRequest } from './fake-graph.js';

/** A message in the fake's inbox; `from` says who wrote it. */
export interface FakeHistoryMessage {
  id: string;
  /** Milliseconds; Meta answers with whole seconds (`2026-11-30T10:00:00+0000`). */
  at: number;
  from: 'customer' | 'account';
  text?: string;
  /** Meta's `attachments.data[]` items, e.g. `{ id, mime_type, image_data: { url } }`. */
  attachments?: unknown[];
}

export interface FakeConversation {
  id: string;
  customer: { id: string; username: string };
  messages: FakeHistoryMessage[];
}

/** Meta's time format in Graph answers. */
export const metaTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');

const cursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
const offsetOf = (after: string | undefined) => (after ? Number(/^offset:(\d+)$/.exec(Buffer.from(after, 'base64url').toString())?.[1] ?? NaN) : 0);

/**
 * The Conversations API part of the fake Graph server, as Meta documents it: conversations
 * newest `updated_time` first, paged by `paging.cursors.after`; a conversation's messages
 * (ids and `created_time`, newest first, paged); a message's details only for the
 * `detailLimit` (20) most recent of its conversation — older ids answer Meta's error 100.
 */
export class FakeInbox {
  readonly conversations: FakeConversation[] = [];
  conversationPageSize = 25;
  messagePageSize = 20;
  detailLimit = 20;
  /** Answers for the next Conversations API requests, in order (rate limits, 190…). */
  private readonly failures: FakeAnswer[] = [];

  constructor(
    private readonly accountId: string,
    private readonly accountUsername = 'acme.shop',
    private readonly baseUrl = '',
  ) {}

  add(conversation: FakeConversation): FakeConversation {
    this.conversations.push(conversation);
    return conversation;
  }

  /** The next `answers.length` Conversations API requests get these answers instead. */
  failNext(...answers: FakeAnswer[]): this {
    this.failures.push(...answers);
    return this;
  }

  /** Whether a request was for the Conversations API. */
  owns(endpoint: string): boolean {
    const [first] = endpoint.split('/');
    return endpoint.endsWith('/conversations') || this.conversations.some((c) => c.id === first || c.messages.some((m) => m.id === first));
  }

  route(request: RecordedRequest): FakeAnswer | null {
    if (request.method !== 'GET' || !this.owns(request.endpoint)) return null;
    const failure = this.failures.shift();
    if (failure) return failure;
    const [first, edge] = request.endpoint.split('/');
    if (edge === 'conversations') {
      if (first !== this.accountId && first !== 'me') return unsupported(first);
      if (request.query.platform !== 'instagram') return error100('(#100) The parameter platform is required');
      const sorted = [...this.conversations].sort((a, b) => updated(b) - updated(a));
      return { json: this.page(sorted.map((c) => ({ id: c.id, updated_time: metaTime(updated(c)) })), request, this.conversationPageSize) };
    }
    const conversation = this.conversations.find((c) => c.id === first);
    if (conversation) {
      const refs = newestFirst(conversation).map((m) => ({ id: m.id, created_time: metaTime(m.at) }));
      if (edge === 'messages') return { json: this.page(refs, request, this.messagePageSize) };
      if (!edge && (request.query.fields ?? '').split(',').includes('messages')) {
        return { json: { messages: this.page(refs, request, this.messagePageSize), id: conversation.id } };
      }
      return error100('(#100) Tried accessing nonexisting field');
    }
    return this.details(first, request);
  }

  private details(mid: string, request: RecordedRequest): FakeAnswer {
    const conversation = this.conversations.find((c) => c.messages.some((m) => m.id === mid))!;
    const rank = newestFirst(conversation).findIndex((m) => m.id === mid);
    if (rank >= this.detailLimit) return unsupported(mid);
    const message = conversation.messages.find((m) => m.id === mid)!;
    const account = { username: this.accountUsername, id: this.accountId };
    const customer = conversation.customer;
    const all: Record<string, unknown> = {
      id: mid,
      created_time: metaTime(message.at),
      from: message.from === 'account' ? account : customer,
      to: { data: [message.from === 'account' ? customer : account] },
      message: message.text ?? '',
      ...(message.attachments ? { attachments: { data: message.attachments } } : {}),
    };
    const fields = (request.query.fields ?? 'id').split(',');
    return { json: Object.fromEntries(Object.entries(all).filter(([key]) => fields.includes(key))) };
  }

  /** Graph's cursor paging: `data`, `paging.cursors`, and `paging.next` when there is more. */
  private page<T>(items: T[], request: RecordedRequest, size: number) {
    const offset = offsetOf(request.query.after);
    const end = offset + size;
    const next = end < items.length ? `${this.baseUrl}${request.path}?access_token=EAAG-not-for-logs&after=${cursor(end)}` : undefined;
    return { data: items.slice(offset, end), paging: { cursors: { before: cursor(offset), after: cursor(Math.min(end, items.length)) }, ...(next ? { next } : {}) } };
  }
}

const newestFirst = (c: FakeConversation) => [...c.messages].sort((a, b) => b.at - a.at);
const updated = (c: FakeConversation) => Math.max(...c.messages.map((m) => m.at));

function error100(message: string, subcode?: number): FakeAnswer {
  return { status: 400, json: { error: { message, type: 'OAuthException', code: 100, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: 'AbCdEfHistory' } } };
}

function unsupported(id: string): FakeAnswer {
  return {
    status: 400,
    json: {
      error: {
        message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: 'AbCdEfHistory33',
      },
    },
  };
}
