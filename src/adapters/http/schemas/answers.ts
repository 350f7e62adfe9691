import Type, { type Static, type TSchema } from 'typebox';

/**
 * Every JSON answer of the API, defined once: the presenters are typed by these (so a field
 * the code sends and the schema lacks does not compile), and the OpenAPI document shows them.
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const IsoTime = Nullable(Time);
const Strict = { additionalProperties: false } as const;

export const Attachment = Type.Object(
  { type: Type.String({ examples: ['image', 'video', 'audio', 'file', 'story_mention', 'share'] }), url: Nullable(Type.String()) },
  Strict,
);

export const CrmSync = Type.Object(
  {
    state: Type.Enum(['mirrored', 'pending', 'failed', 'not_mirrored']),
    attempts: Type.Integer({ minimum: 0 }),
    last_error: Nullable(Type.String()),
    mirrored_at: IsoTime,
    change_pending: Type.Boolean({ description: 'mirrored, and edited or unsent since: the CRM row is updated next (a CRM with a mid column), or the change stays local' }),
  },
  Strict,
);

export const Message = Type.Object(
  {
    mid: Type.String({ description: "Instagram's message id (unique)" }),
    user_id: Type.String({ description: "The customer's IGSID" }),
    account_id: Type.String(),
    direction: Type.Enum(['in', 'out']),
    text: Nullable(Type.String()),
    attachments: Type.Array(Attachment),
    reply_to: Nullable(Type.Object({ mid: Nullable(Type.String()), story_id: Nullable(Type.String()), story_url: Nullable(Type.String()) }, Strict)),
    payload: Nullable(Type.String({ description: 'Quick-reply or postback payload' })),
    reaction: Nullable(Type.Object({ reaction: Nullable(Type.String()), emoji: Nullable(Type.String()), at: IsoTime }, Strict)),
    read_at: IsoTime,
    deleted: Type.Boolean({ description: 'Unsent by the customer' }),
    deleted_at: IsoTime,
    edited: Type.Boolean(),
    edited_at: IsoTime,
    edit_count: Type.Integer({ minimum: 0 }),
    timestamp: Time,
    timestamp_ms: Type.Integer(),
    received_at: IsoTime,
    origin: Type.Enum(['webhook', 'api', 'history'], {
      description: "How igbridge learnt of it: Meta's webhook, a reply sent through POST /api/messages, or the Conversations API (history import or reconciliation)",
    }),
    crm: CrmSync,
  },
  Strict,
);

export const Conversation = Type.Object(
  {
    account_id: Type.String({ description: "The business account (a webhook's `entry[].id`)" }),
    user_id: Type.String(),
    username: Type.String({ description: 'Instagram username when known, else the IGSID' }),
    name: Nullable(Type.String()),
    last_message: Type.Object(
      {
        mid: Type.String(),
        direction: Type.Enum(['in', 'out']),
        text: Nullable(Type.String({ description: 'the text as written (null for an attachment only)' })),
        attachments: Type.Array(Attachment),
        deleted: Type.Boolean(),
      },
      Strict,
    ),
    last_message_at: Time,
    last_message_at_ms: Type.Integer(),
    message_count: Type.Integer({ minimum: 1 }),
    unread_count: Type.Integer({ minimum: 0, description: 'Inbound messages newer than the last outbound one' }),
  },
  { ...Strict, description: 'One conversation: a customer with one of the accounts (a customer writing to two accounts has two)' },
);

export const Account = Type.Object(
  {
    id: Type.String({ description: "Meta's IG_ID: what webhooks carry as `entry[].id`" }),
    username: Nullable(Type.String()),
    token_state: Type.Enum(['ok', 'expiring', 'invalid'], {
      description: 'expiring: under TOKEN_WARN_DAYS left (igbridge could not refresh it); invalid: Meta answered 190 (or it expired) — add a new token',
    }),
    expires_at: Nullable(Type.String({ format: 'date-time', description: 'known once igbridge has refreshed the token' })),
    refreshed_at: IsoTime,
    added_at: Time,
    problem: Nullable(Type.String({ description: 'for expiring and invalid: what is wrong and what to do' })),
  },
  { ...Strict, description: 'An Instagram account igbridge serves; its access token is never shown' },
);

export const AccountList = Type.Array(Account);

const Cursor = Nullable(Type.String({ description: 'Pass as `before` for the next (older) page; null on the last page' }));

export const ConversationPage = Type.Object({ conversations: Type.Array(Conversation), next_before: Cursor }, Strict);

export const MessagePage = Type.Object({ user_id: Type.String(), messages: Type.Array(Message), next_before: Cursor }, Strict);

export const WebhookResult = Type.Object(
  {
    status: Type.Literal('ok'),
    stored: Type.Integer({ minimum: 0, description: 'New messages committed' }),
    duplicates: Type.Integer({ minimum: 0, description: 'Messages whose mid was already stored' }),
    applied: Type.Integer({ minimum: 0, description: 'Unsends, reactions, reads and edits applied' }),
    deferred: Type.Integer({ minimum: 0, description: 'Changes kept until their message arrives' }),
    ignored: Type.Integer({ minimum: 0, description: 'Events of kinds igbridge does not store (logged)' }),
  },
  Strict,
);

export const Health = Type.Object({ status: Type.Literal('ok') }, Strict);

export const CrmReport = Type.Object(
  {
    state: Type.Enum(['disabled', 'ok', 'slow', 'down'], { description: 'slow: the oldest CRM write in flight is older than CRM_SLOW_WRITE_MS; down: the last attempt failed or no connection' }),
    reason: Type.Optional(Type.String({ description: 'with disabled: why; with down: the CRM table does not fit the mapping (the column named)' })),
    missing: Type.Optional(Type.Array(Type.String(), { description: 'with disabled: the CRM_MYSQL_* variables that are not set although CRM_MYSQL_ENABLED=true' })),
    pending: Type.Integer({ minimum: 0, description: 'messages waiting to be written to the CRM' }),
    failed: Type.Integer({ minimum: 0, description: 'messages the CRM kept rejecting (crm:backfill retries them)' }),
    not_mirrored: Type.Integer({ minimum: 0, description: 'messages stored while the mirror was off (crm:backfill sends them)' }),
    backlog: Type.Integer({ minimum: 0, description: '= pending (kept for compatibility)' }),
  },
  Strict,
);

export const Ready = Type.Object(
  {
    status: Type.Literal('ok'),
    store: Type.Enum(['sqlite', 'postgresql'], { description: 'where messages are kept: SQLite (one instance) or PostgreSQL (DATABASE_URL, shared by every instance)' }),
    sqlite: Type.Optional(Type.Literal('ok', { description: 'with store sqlite: the file takes writes' })),
    postgresql: Type.Optional(Type.Literal('ok', { description: 'with store postgresql: the database takes writes' })),
    crm: CrmReport,
    webhooks: Type.Object(
      { last_received_at: IsoTime, state: Type.Enum(['ok', 'silent']) },
      { ...Strict, description: '`silent` when a history pass recovered messages more than WEBHOOK_SILENCE_ALERT_M newer than the last webhook' },
    ),
    accounts: Type.Array(Account, { description: 'every account with its token state (never required: 200 whatever they are)' }),
  },
  Strict,
);

export type AttachmentAnswer = Static<typeof Attachment>;
export type MessageAnswer = Static<typeof Message>;
export type ConversationAnswer = Static<typeof Conversation>;
export type AccountAnswer = Static<typeof Account>;
export type ConversationPageAnswer = Static<typeof ConversationPage>;
export type MessagePageAnswer = Static<typeof MessagePage>;
export type WebhookResultAnswer = Static<typeof WebhookResult>;
export type ReadyAnswer = Static<typeof Ready>;
