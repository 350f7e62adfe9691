import type { RemoteConversation, RemoteMessage, RemoteMessageRef, RemotePage, RemoteParty } from '../../application/ports/conversation-history.js';
import type { Attachment } from '../../domain/message.js';
import { isMetaId } from '../../domain/meta-id.js';
/** Conversation and message ids (base64-like); encoded whenever they go into a URL. */
const OBJECT_ID = /^[A-Za-z0-9_\-=+/.:]{1,512}$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (isObject(value) && Array.isArray(value.data) ? value.data : []);

/** Meta's times: ISO 8601 (`2026-11-30T10:00:00+0000`) or Unix seconds. Null when neither. */
export function metaTime(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value !== 'string') return null;
  if (/^\d{9,11}$/.test(value)) return Number(value) * 1000;
  const ms = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(ms) ? null : ms;
}

/** `paging.cursors.after`, when Meta says there is a next page (`paging.next`). */
function after(body: unknown): string | null {
  const paging = isObject(body) ? body.paging : undefined;
  if (!isObject(paging) || typeof paging.next !== 'string') return null;
  const cursor = isObject(paging.cursors) ? paging.cursors.after : undefined;
  return typeof cursor === 'string' && cursor.length > 0 ? cursor : null;
}

/** The listed items that are well-formed; `dropped` counts the others. */
function page<T>(body: unknown, read: (item: Json) => T | null): RemotePage<T> & { dropped: number } {
  const items: T[] = [];
  let dropped = 0;
  for (const item of list(body)) {
    const parsed = isObject(item) ? read(item) : null;
    if (parsed) items.push(parsed);
    else dropped++;
  }
  return { items, after: after(body), dropped };
}

export function conversationsPage(body: Json) {
  return page<RemoteConversation>(body, (item) => {
    const updatedAt = metaTime(item.updated_time);
    return typeof item.id === 'string' && OBJECT_ID.test(item.id) && updatedAt !== null ? { id: item.id, updatedAt } : null;
  });
}

/** `GET /{conversation}?fields=messages` nests the page under `messages`; the `/messages` edge does not. */
export function messagesPage(body: Json) {
  return page<RemoteMessageRef>(isObject(body.messages) ? body.messages : body, (item) => {
    const createdAt = metaTime(item.created_time);
    return typeof item.id === 'string' && OBJECT_ID.test(item.id) && createdAt !== null ? { mid: item.id, createdAt } : null;
  });
}

function party(value: unknown): RemoteParty | null {
  if (!isObject(value) || typeof value.id !== 'string' || !isMetaId(value.id)) return null;
  return { id: value.id, username: typeof value.username === 'string' && value.username.length > 0 ? value.username.slice(0, 255) : null };
}

/** `attachments`, `shares` and `story`, as the stand-ins the webhook's attachments use. */
function attachments(body: Json): Attachment[] {
  const found: Attachment[] = [];
  const url = (value: unknown) => (typeof value === 'string' && /^https?:\/\//.test(value) ? value : null);
  for (const item of list(body.attachments)) {
    if (!isObject(item)) continue;
    const image = isObject(item.image_data) ? url(item.image_data.url) : null;
    const video = isObject(item.video_data) ? url(item.video_data.url) : null;
    const mime = typeof item.mime_type === 'string' ? item.mime_type : '';
    if (image) found.push({ type: mime === 'image/gif' ? 'animated_image' : 'image', url: image });
    else if (video) found.push({ type: 'video', url: video });
    else found.push({ type: mime.startsWith('audio/') ? 'audio' : 'file', url: url(item.file_url) });
  }
  for (const share of list(body.shares)) if (isObject(share)) found.push({ type: 'share', url: url(share.link) ?? url(share.image_data) });
  if (isObject(body.story)) {
    for (const [kind, story] of Object.entries(body.story)) {
      if (isObject(story)) found.push({ type: kind === 'mention' ? 'story_mention' : 'story_reply', url: url(story.link) });
    }
  }
  return found;
}

/** A message's details; null when they are not usable (an id that is not Meta's form, no time). */
export function messageDetails(body: Json, mid: string): RemoteMessage | null {
  const createdAt = metaTime(body.created_time);
  const from = party(body.from);
  if (createdAt === null || !from || (body.id !== undefined && body.id !== mid)) return null;
  const to = list(body.to).map(party).filter((p): p is RemoteParty => p !== null);
  const text = typeof body.message === 'string' && body.message.length > 0 ? body.message : null;
  return { mid, createdAt, from, to, text, attachments: attachments(body), raw: JSON.stringify(body) };
}
