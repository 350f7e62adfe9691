import type { InstagramEvent } from '../../src/domain/instagram-event.js';
import { newMessage } from '../contract/message-store.contract.js';

/** A deterministic pseudo-random sequence (the same every run). */
export function random(seed: number) {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

/** Deliveries of every kind, out of order and redelivered, over a few accounts and customers. */
export function recordedEvents(): InstagramEvent[][] {
  const next = random(23);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const mids: string[] = [];
  const deliveries: InstagramEvent[][] = [];
  for (let d = 0; d < 150; d++) {
    const events: InstagramEvent[] = [];
    for (let i = 0; i < 1 + Math.floor(next() * 4); i++) {
      const roll = next();
      const change = roll < 0.35;
      // A change is for a message stored already, or (a quarter of them) for one coming in the next delivery.
      const mid = change && mids.length > 0 && next() < 0.75 ? pick(mids) : `m.${change ? d + 1 : d}.${i}`;
      if (roll < 0.05) events.push({ kind: 'message', message: newMessage(mid) }); // a redelivery (or a first delivery, with the defaults)
      else if (roll < 0.1) events.push({ kind: 'unsend', mid, at: 2_000 + d });
      else if (roll < 0.17) events.push({ kind: 'reaction', mid, action: next() < 0.7 ? 'react' : 'unreact', reaction: 'love', emoji: '❤️', at: 2_000 + d });
      else if (roll < 0.24) events.push({ kind: 'edit', mid, text: `edit ${d}`, editCount: 1 + Math.floor(next() * 3), at: 2_000 + d });
      else if (roll < 0.35) events.push({ kind: 'read', mid, at: 2_000 + d });
      else {
        mids.push(mid);
        events.push({
          kind: 'message',
          message: newMessage(mid, {
            accountId: pick(['shop', 'outlet']),
            customerId: pick(['c1', 'c2', 'c3', 'c4']),
            direction: next() < 0.4 ? 'out' : 'in',
            sentAt: 1_000 + Math.floor(next() * 60) * 10,
            text: next() < 0.2 ? null : `text ${mid}`,
            attachments: next() < 0.2 ? [{ type: 'image', url: `https://cdn.example/${mid}.jpg` }] : [],
            replyTo: next() < 0.1 ? { mid: pick(mids) } : null,
          }),
        });
      }
    }
    deliveries.push(events);
  }
  return deliveries;
}
