import type { InstagramEvent } from '../../../domain/instagram-event.js';
import type { Attachment, ReplyTo } from '../../../domain/message.js';
import { fail, flag, id, isObject, type Json, MAX_ITEM_DEPTH, metaId, millis, nestedDeeperThan, object, optionalArray, optionalText, text, url, wellFormed } from './shape.js';

/** Event kinds igbridge knows but does not store (logged, answered 200). */
const KNOWN_IGNORED = ['referral', 'optin', 'account_linking', 'pass_thread_control', 'take_thread_control', 'request_thread_control', 'policy-enforcement', 'app_roles', 'delivery'];

export type Parsed = { event: InstagramEvent } | { ignored: string };

/** One `messaging[]` item (or a `changes[].value`) → the event it stands for. */
export function parseMessaging(raw: unknown, path: string, fallbackTime: number): Parsed {
  const item = object(raw, path);
  if (nestedDeeperThan(item, MAX_ITEM_DEPTH)) fail(path, `must not nest more than ${MAX_ITEM_DEPTH} levels deep`);
  const sender = metaId(object(item.sender, `${path}.sender`).id, `${path}.sender.id`);
  const recipient = metaId(object(item.recipient, `${path}.recipient`).id, `${path}.recipient.id`);
  const at = item.timestamp === undefined ? fallbackTime : millis(item.timestamp, `${path}.timestamp`);

  if (item.message !== undefined) return parseMessage(object(item.message, `${path}.message`), `${path}.message`);
  if (item.postback !== undefined) {
    const postback = object(item.postback, `${path}.postback`);
    const title = optionalText(postback.title, `${path}.postback.title`);
    const payload = optionalText(postback.payload, `${path}.postback.payload`);
    const mid = postback.mid === undefined ? `postback:${sender}:${at}` : id(postback.mid, `${path}.postback.mid`);
    return { event: { kind: 'message', message: { mid, accountId: recipient, customerId: sender, direction: 'in', text: title ?? payload ?? '[postback]', attachments: [], replyTo: null, payload, sentAt: at, raw: JSON.stringify(item) } } };
  }
  if (item.reaction !== undefined) {
    const reaction = object(item.reaction, `${path}.reaction`);
    const action = reaction.action;
    if (action !== 'react' && action !== 'unreact') fail(`${path}.reaction.action`, 'must be "react" or "unreact"');
    return { event: { kind: 'reaction', mid: id(reaction.mid, `${path}.reaction.mid`), action, reaction: optionalText(reaction.reaction, `${path}.reaction.reaction`), emoji: optionalText(reaction.emoji, `${path}.reaction.emoji`), at } };
  }
  if (item.read !== undefined) {
    const read = object(item.read, `${path}.read`);
    if (read.mid === undefined) return { ignored: `${path}: read receipt without mid` };
    return { event: { kind: 'read', mid: id(read.mid, `${path}.read.mid`), at } };
  }
  if (item.message_edit !== undefined) {
    const edit = object(item.message_edit, `${path}.message_edit`);
    const count = edit.num_edit ?? 1;
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) fail(`${path}.message_edit.num_edit`, 'must be a whole number');
    return { event: { kind: 'edit', mid: id(edit.mid, `${path}.message_edit.mid`), text: text(edit.text ?? '', `${path}.message_edit.text`), editCount: count, at } };
  }
  const kind = Object.keys(item).find((key) => !['sender', 'recipient', 'timestamp'].includes(key)) ?? 'empty';
  return { ignored: `${path}: ${KNOWN_IGNORED.includes(kind) ? '' : 'unknown '}event kind "${kind}"` };

  function parseMessage(message: Json, base: string): Parsed {
    const mid = id(message.mid, `${base}.mid`);
    if (flag(message.is_deleted, `${base}.is_deleted`)) return { event: { kind: 'unsend', mid, at } };
    const echo = flag(message.is_echo, `${base}.is_echo`);
    const attachments = optionalArray(message.attachments, `${base}.attachments`).map((a, i) => attachment(a, `${base}.attachments[${i}]`));
    if (flag(message.is_unsupported, `${base}.is_unsupported`)) attachments.push({ type: 'unsupported', url: null });
    const quickReply = message.quick_reply === undefined ? null : object(message.quick_reply, `${base}.quick_reply`);
    return {
      event: {
        kind: 'message',
        message: {
          mid,
          accountId: echo ? sender : recipient,
          customerId: echo ? recipient : sender,
          direction: echo ? 'out' : 'in',
          text: optionalText(message.text, `${base}.text`),
          attachments,
          replyTo: replyTo(message.reply_to, `${base}.reply_to`),
          payload: quickReply ? optionalText(quickReply.payload, `${base}.quick_reply.payload`) : null,
          sentAt: at,
          raw: JSON.stringify(item),
        },
      },
    };
  }
}

function attachment(raw: unknown, path: string): Attachment {
  const value = object(raw, path);
  const type = typeof value.type === 'string' && value.type.length > 0 && value.type.length <= 64 ? wellFormed(value.type) : fail(`${path}.type`, 'must be a short string');
  const payload = value.payload === undefined || value.payload === null ? {} : object(value.payload, `${path}.payload`);
  return { type, url: url(payload.url, `${path}.payload.url`) };
}

function replyTo(raw: unknown, path: string): ReplyTo | null {
  if (raw === undefined || raw === null) return null;
  const value = object(raw, path);
  const reply: ReplyTo = {};
  if (value.mid !== undefined) reply.mid = id(value.mid, `${path}.mid`);
  if (isObject(value.story)) {
    if (value.story.id !== undefined) reply.storyId = id(value.story.id, `${path}.story.id`);
    const storyUrl = url(value.story.url, `${path}.story.url`);
    if (storyUrl) reply.storyUrl = storyUrl;
  }
  return reply;
}
