import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { Flag, Id, MetaId, NonNegativeWhole, Text, Timestamp, Url } from './meta-values.js';

/**
 * Meta's Instagram webhook delivery (SPEC §4), the one definition of it: the check the route
 * runs, the types the mapping reads, and the OpenAPI `WebhookPayload`. Every object allows
 * fields it does not name, as Meta adds them; an item of a kind not named here is answered
 * 200 and logged.
 */
const Party = Type.Object({ id: MetaId });

const Attachment = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64, examples: ['image', 'video', 'audio', 'file', 'story_mention', 'share', 'ig_reel'], errorMessage: 'must be a short string' }),
  payload: Type.Optional(Type.Union([Type.Object({ url: Url }), Type.Null()])),
});

const Message = Type.Object(
  {
    mid: Id,
    text: Text,
    /** Sent by the business (from another app or the Instagram app): sender and recipient swapped. */
    is_echo: Flag,
    /** The customer unsent it. */
    is_deleted: Flag,
    is_unsupported: Flag,
    attachments: Type.Optional(Type.Array(Attachment)),
    reply_to: Type.Optional(Type.Union([Type.Object({ mid: Type.Optional(Id), story: Type.Optional(Type.Union([Type.Object({ id: Type.Optional(Id), url: Url }), Type.Null()])) }), Type.Null()])),
    quick_reply: Type.Optional(Type.Object({ payload: Text })),
  },
  { description: 'A message (with `is_echo` one the business sent; with `is_deleted` an unsend)' },
);

export const MessagingItem = Type.Object(
  {
    sender: Party,
    recipient: Party,
    timestamp: Type.Optional(Timestamp),
    message: Type.Optional(Message),
    postback: Type.Optional(Type.Object({ mid: Type.Optional(Id), title: Text, payload: Text }, { description: 'An ice-breaker or button tapped' })),
    reaction: Type.Optional(
      Type.Object({
        mid: Id,
        action: Type.Union([Type.Literal('react'), Type.Literal('unreact')], { errorMessage: 'must be "react" or "unreact"' }),
        reaction: Text,
        emoji: Text,
      }),
    ),
    read: Type.Optional(Type.Object({ mid: Type.Optional(Id) }, { description: 'Read receipt; one without `mid` is logged, not stored' })),
    message_edit: Type.Optional(Type.Object({ mid: Id, text: Text, num_edit: Type.Optional(NonNegativeWhole) })),
  },
  { description: 'One event; its kind is the first of message, postback, reaction, read, message_edit it has (others are logged)' },
);

/** The App Dashboard's test button sends `changes[]`; `value` is a messaging item when `field` is `messages`. */
const Change = Type.Object({ field: Type.Optional(Type.Unknown()), value: Type.Optional(Type.Unknown({ description: 'With field "messages": a MessagingItem' })) });

const Entry = Type.Object({
  id: Type.Optional(MetaId),
  time: Type.Optional(Timestamp),
  messaging: Type.Optional(Type.Array(MessagingItem)),
  changes: Type.Optional(Type.Array(Change)),
});

export const WebhookPayload = Type.Object(
  { object: Type.String({ examples: ['instagram'] }), entry: Type.Array(Entry) },
  { description: "Meta's Instagram webhook body: `entry[].messaging[]` (or the dashboard test's `entry[].changes[]`)" },
);

/** What is checked first: a body for another product (`object` other than `instagram`) is logged, not read. */
export const WebhookEnvelope = Type.Object({ object: Type.String() });

export type MessagingItem = Static<typeof MessagingItem>;
export type WebhookPayload = Static<typeof WebhookPayload>;

export const checkEnvelope = Compile(WebhookEnvelope);
export const checkPayload = Compile(WebhookPayload);
export const checkMessagingItem = Compile(MessagingItem);
