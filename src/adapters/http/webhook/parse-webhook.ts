import type { InstagramEvent } from '../../../domain/instagram-event.js';
import { checkEnvelope, checkMessagingItem, checkPayload, type MessagingItem } from '../schemas/webhook.js';
import { refuse } from './refuse.js';
import { millis, toEvent } from './to-event.js';

export interface ParsedWebhook {
  events: InstagramEvent[];
  /** What was received but is not stored, one line each, for the log. */
  ignored: string[];
}

/**
 * A whole delivery → events, or a `400 invalid_payload` naming the first bad value. A delivery
 * is all or nothing: with one bad item nothing is stored, so a retry cannot half-apply it.
 * The body's nesting depth was bounded when it was parsed (raw-body.ts), before any check.
 */
export function parseWebhook(body: unknown, now: number): ParsedWebhook {
  if (!checkEnvelope.Check(body)) refuse(checkEnvelope, body, 'body');
  if (body.object !== 'instagram') return { events: [], ignored: [`object "${body.object}" is not "instagram"`] };
  if (!checkPayload.Check(body)) refuse(checkPayload, body, 'body');

  const items: Array<{ item: MessagingItem; path: string; time: number }> = [];
  const parsed: ParsedWebhook = { events: [], ignored: [] };
  body.entry.forEach((entry, e) => {
    const time = entry.time === undefined ? now : millis(entry.time);
    entry.messaging?.forEach((item, m) => items.push({ item, path: `entry[${e}].messaging[${m}]`, time }));
    entry.changes?.forEach((change, c) => {
      const path = `entry[${e}].changes[${c}]`;
      if (change.field !== 'messages') return parsed.ignored.push(`${path}: field "${String(change.field)}"`);
      if (!checkMessagingItem.Check(change.value)) refuse(checkMessagingItem, change.value, `${path}.value`);
      items.push({ item: change.value, path: `${path}.value`, time });
    });
    if ('standby' in entry) parsed.ignored.push(`entry[${e}].standby: handover events`);
  });
  for (const { item, path, time } of items) {
    const result = toEvent(item, path, time);
    if ('event' in result) parsed.events.push(result.event);
    else parsed.ignored.push(result.ignored);
  }
  return parsed;
}
