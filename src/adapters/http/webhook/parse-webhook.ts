import type { InstagramEvent } from '../../../domain/instagram-event.js';
import { parseMessaging } from './parse-messaging.js';
import { fail, metaId, millis, object, optionalArray } from './shape.js';

export interface ParsedWebhook {
  events: InstagramEvent[];
  /** What was received but is not stored, one line each, for the log. */
  ignored: string[];
}

/**
 * A whole delivery → events, or a ValidationError naming the first bad value. A delivery is
 * all or nothing: with one bad item nothing is stored, so a retry cannot half-apply it.
 */
export function parseWebhook(body: unknown, now: number): ParsedWebhook {
  const root = object(body, 'body');
  if (typeof root.object !== 'string') fail('object', 'must be a string');
  if (root.object !== 'instagram') return { events: [], ignored: [`object "${root.object}" is not "instagram"`] };
  if (!Array.isArray(root.entry)) fail('entry', 'must be an array');

  const parsed: ParsedWebhook = { events: [], ignored: [] };
  root.entry.forEach((rawEntry, e) => {
    const entry = object(rawEntry, `entry[${e}]`);
    if (entry.id !== undefined) metaId(entry.id, `entry[${e}].id`);
    const entryTime = entry.time === undefined ? now : millis(entry.time, `entry[${e}].time`);
    const items = optionalArray(entry.messaging, `entry[${e}].messaging`).map((item, m) => ({ item, path: `entry[${e}].messaging[${m}]` }));
    optionalArray(entry.changes, `entry[${e}].changes`).forEach((rawChange, c) => {
      const change = object(rawChange, `entry[${e}].changes[${c}]`);
      if (change.field === 'messages') items.push({ item: change.value, path: `entry[${e}].changes[${c}].value` });
      else parsed.ignored.push(`entry[${e}].changes[${c}]: field "${String(change.field)}"`);
    });
    if (entry.standby !== undefined) parsed.ignored.push(`entry[${e}].standby: handover events`);
    for (const { item, path } of items) {
      const result = parseMessaging(item, path, entryTime);
      if ('event' in result) parsed.events.push(result.event);
      else parsed.ignored.push(result.ignored);
    }
  });
  return parsed;
}
