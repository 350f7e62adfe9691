import type { InstagramEvent } from '../../../domain/instagram-event.js';
import type { Attachment, ReplyTo } from '../../../domain/message.js';
import { toMillis } from '../../../domain/timestamp.js';
import { pathDeeperThan } from '../raw-body.js';
import type { MessagingItem } from '../schemas/webhook.js';
import { fail } from './refuse.js';

/** Event kinds igbridge knows but does not store (logged, answered 200). */
const KNOWN_IGNORED = ['referral', 'optin', 'account_linking', 'pass_thread_control', 'take_thread_control', 'request_thread_control', 'policy-enforcement', 'app_roles', 'delivery'];
const HEADER = ['sender', 'recipient', 'timestamp'];
/** Meta's items are about 5 levels deep; far deeper ones would overflow JSON.stringify's stack. */
export const MAX_ITEM_DEPTH = 32;

export type Mapped = { event: InstagramEvent } | { ignored: string };

/** A checked `messaging[]` item (or `changes[].value`) → the domain event it stands for. */
export function toEvent(item: MessagingItem, path: string, fallbackTime: number): Mapped {
  if (pathDeeperThan(item, MAX_ITEM_DEPTH - 1) !== null) fail(path, `must not nest more than ${MAX_ITEM_DEPTH} levels deep`);
  const sender = String(item.sender.id);
  const recipient = String(item.recipient.id);
  const at = item.timestamp === undefined ? fallbackTime : millis(item.timestamp);
  const { message, postback, reaction, read, message_edit: edit } = item;

  if (message) {
    const mid = id(message.mid);
    if (message.is_deleted) return { event: { kind: 'unsend', mid, at } };
    const echo = message.is_echo === true;
    const attachments: Attachment[] = (message.attachments ?? []).map((a) => ({ type: wellFormed(a.type), url: text(a.payload?.url) }));
    if (message.is_unsupported) attachments.push({ type: 'unsupported', url: null });
    return {
      event: {
        kind: 'message',
        message: {
          mid,
          accountId: echo ? sender : recipient,
          customerId: echo ? recipient : sender,
          direction: echo ? 'out' : 'in',
          text: text(message.text),
          attachments,
          replyTo: replyTo(message.reply_to),
          payload: message.quick_reply ? text(message.quick_reply.payload) : null,
          sentAt: at,
          raw: JSON.stringify(item),
        },
      },
    };
  }
  if (postback) {
    const title = text(postback.title);
    const payload = text(postback.payload);
    const mid = postback.mid === undefined ? `postback:${sender}:${at}` : id(postback.mid);
    return { event: { kind: 'message', message: { mid, accountId: recipient, customerId: sender, direction: 'in', text: title ?? payload ?? '[postback]', attachments: [], replyTo: null, payload, sentAt: at, raw: JSON.stringify(item) } } };
  }
  if (reaction) return { event: { kind: 'reaction', mid: id(reaction.mid), action: reaction.action, reaction: text(reaction.reaction), emoji: text(reaction.emoji), at } };
  if (read) return read.mid === undefined ? { ignored: `${path}: read receipt without mid` } : { event: { kind: 'read', mid: id(read.mid), at } };
  if (edit) return { event: { kind: 'edit', mid: id(edit.mid), text: text(edit.text) ?? '', editCount: edit.num_edit ?? 1, at } };
  const kind = Object.keys(item).find((key) => !HEADER.includes(key)) ?? 'empty';
  return { ignored: `${path}: ${KNOWN_IGNORED.includes(kind) ? '' : 'unknown '}event kind "${kind}"` };
}

/** A checked timestamp (see `Timestamp`) in milliseconds. */
export function millis(value: number | string): number {
  return toMillis(value)!;
}

const id = (value: string | number): string => (typeof value === 'number' ? String(value) : wellFormed(value));
const text = (value: string | null | undefined): string | null => (value === undefined || value === null ? null : wellFormed(value));

function replyTo(value: { mid?: string | number; story?: { id?: string | number; url?: string | null } | null } | null | undefined): ReplyTo | null {
  if (!value) return null;
  const reply: ReplyTo = {};
  if (value.mid !== undefined) reply.mid = id(value.mid);
  if (value.story?.id !== undefined) reply.storyId = id(value.story.id);
  if (value.story?.url) reply.storyUrl = wellFormed(value.story.url);
  return reply;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * JSON may carry lone surrogates (`"\ud800"`); SQLite would keep them as bytes that are not
 * UTF-8 and MySQL's utf8mb4 refuses them. They become U+FFFD, as bad UTF-8 bytes already do
 * when the body is decoded (String.prototype.toWellFormed, which ES2023 typings lack).
 */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd');
}
