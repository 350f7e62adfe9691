/** JSON Schemas (2020-12, as OpenAPI 3.1 uses) of igbridge's bodies, referenced by document.ts. */
const isoTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', description: 'Stable machine-readable code, e.g. `unauthorized`, `invalid_signature`, `graph_error`' },
          message: { type: 'string', description: 'What went wrong, for a person' },
          field: { type: ['string', 'null'], description: 'The body field a 400 is about' },
          reason: {
            type: 'string',
            description: 'Graph errors: token_invalid, outside_window, rate_limited, temporary, recipient_unavailable, permission_denied, invalid_parameter, refused, invalid_response, timeout, unreachable',
          },
          graph: { $ref: '#/components/schemas/GraphError' },
        },
        additionalProperties: true,
      },
    },
    examples: [{ error: { code: 'unauthorized', message: 'missing bearer token (Authorization: Bearer <API_TOKEN>)' } }],
  },
  GraphError: {
    type: 'object',
    description: "Meta's error, passed on from the Send API",
    properties: {
      code: { type: ['integer', 'null'], description: '190 token invalid; 10 with subcode 2534022 outside the 24-hour window; 4, 17 throttled; 1, 2 temporary' },
      error_subcode: { type: ['integer', 'null'] },
      message: { type: ['string', 'null'] },
      type: { type: ['string', 'null'] },
      fbtrace_id: { type: ['string', 'null'] },
    },
  },
  Attachment: {
    type: 'object',
    required: ['type', 'url'],
    properties: { type: { type: 'string', examples: ['image', 'video', 'audio', 'file', 'story_mention', 'share'] }, url: { type: ['string', 'null'] } },
  },
  CrmSync: {
    type: 'object',
    required: ['state', 'attempts', 'last_error', 'mirrored_at', 'change_pending'],
    properties: {
      state: { enum: ['mirrored', 'pending', 'failed', 'not_mirrored'] },
      attempts: { type: 'integer', minimum: 0 },
      last_error: { type: ['string', 'null'] },
      mirrored_at: isoTime,
      change_pending: { type: 'boolean', description: 'mirrored, and edited or unsent since: the CRM row is updated next (a CRM with a mid column), or the change stays local' },
    },
  },
  Message: {
    type: 'object',
    required: ['mid', 'user_id', 'account_id', 'direction', 'text', 'attachments', 'timestamp', 'crm'],
    properties: {
      mid: { type: 'string', description: "Instagram's message id (unique)" },
      user_id: { type: 'string', description: "The customer's IGSID" },
      account_id: { type: 'string' },
      direction: { enum: ['in', 'out'] },
      text: { type: ['string', 'null'] },
      attachments: { type: 'array', items: { $ref: '#/components/schemas/Attachment' } },
      reply_to: {
        type: ['object', 'null'],
        properties: { mid: { type: ['string', 'null'] }, story_id: { type: ['string', 'null'] }, story_url: { type: ['string', 'null'] } },
      },
      payload: { type: ['string', 'null'], description: 'Quick-reply or postback payload' },
      reaction: {
        type: ['object', 'null'],
        properties: { reaction: { type: ['string', 'null'] }, emoji: { type: ['string', 'null'] }, at: isoTime },
      },
      read_at: isoTime,
      deleted: { type: 'boolean', description: 'Unsent by the customer' },
      deleted_at: isoTime,
      edited: { type: 'boolean' },
      edited_at: isoTime,
      edit_count: { type: 'integer', minimum: 0 },
      timestamp: { type: 'string', format: 'date-time' },
      timestamp_ms: { type: 'integer' },
      received_at: isoTime,
      origin: { enum: ['webhook', 'api', 'history'], description: "How igbridge learnt of it: Meta's webhook, a reply sent through POST /api/messages, or the Conversations API (history import or reconciliation)" },
      crm: { $ref: '#/components/schemas/CrmSync' },
    },
  },
  Conversation: {
    type: 'object',
    description: 'One conversation: a customer with one of the accounts (a customer writing to two accounts has two)',
    required: ['account_id', 'user_id', 'username', 'last_message', 'last_message_at', 'message_count', 'unread_count'],
    properties: {
      account_id: { type: 'string', description: 'The business account (a webhook\'s `entry[].id`)' },
      user_id: { type: 'string' },
      username: { type: 'string', description: 'Instagram username when known, else the IGSID' },
      name: { type: ['string', 'null'] },
      last_message: {
        type: 'object',
        properties: {
          mid: { type: 'string' },
          direction: { enum: ['in', 'out'] },
          text: { type: ['string', 'null'], description: 'the text as written (null for an attachment only)' },
          attachments: { type: 'array', items: { $ref: '#/components/schemas/Attachment' } },
          deleted: { type: 'boolean' },
        },
      },
      last_message_at: { type: 'string', format: 'date-time' },
      last_message_at_ms: { type: 'integer' },
      message_count: { type: 'integer', minimum: 1 },
      unread_count: { type: 'integer', minimum: 0, description: 'Inbound messages newer than the last outbound one' },
    },
  },
  SendRequest: {
    oneOf: [
      {
        type: 'object',
        required: ['recipient_id', 'text'],
        properties: {
          recipient_id: { type: 'string', description: "The customer's IGSID" },
          account_id: { $ref: '#/components/schemas/SendAccount' },
          text: { type: 'string', minLength: 1, description: '1–1000 UTF-8 bytes' },
          tag: { const: 'HUMAN_AGENT', description: 'Reply up to 7 days after the customer wrote, where the app has that permission' },
        },
        additionalProperties: false,
      },
      {
        type: 'object',
        required: ['recipient_id', 'attachment'],
        properties: {
          recipient_id: { type: 'string' },
          account_id: { $ref: '#/components/schemas/SendAccount' },
          attachment: {
            type: 'object',
            required: ['type', 'url'],
            properties: { type: { const: 'image' }, url: { type: 'string', format: 'uri' } },
          },
          tag: { const: 'HUMAN_AGENT' },
        },
        additionalProperties: false,
      },
    ],
  },
  SendAccount: {
    type: ['string', 'null'],
    description: 'The account that sends (GET /api/accounts). Needed only when the recipient talks to several accounts (else `400 account_required`), or writes to none of them while igbridge has several',
  },
  Account: {
    type: 'object',
    description: 'An Instagram account igbridge serves; its access token is never shown',
    required: ['id', 'username', 'token_state', 'expires_at'],
    properties: {
      id: { type: 'string', description: "Meta's IG_ID: what webhooks carry as `entry[].id`" },
      username: { type: ['string', 'null'] },
      token_state: {
        enum: ['ok', 'expiring', 'invalid'],
        description: 'expiring: under TOKEN_WARN_DAYS left (igbridge could not refresh it); invalid: Meta answered 190 (or it expired) — add a new token',
      },
      expires_at: { ...isoTime, description: 'known once igbridge has refreshed the token' },
      refreshed_at: isoTime,
      added_at: isoTime,
      problem: { type: ['string', 'null'], description: 'for expiring and invalid: what is wrong and what to do' },
    },
  },
  WebhookPayload: {
    type: 'object',
    description: "Meta's Instagram webhook body: `entry[].messaging[]` (or the dashboard test's `entry[].changes[]`)",
    required: ['object', 'entry'],
    properties: {
      object: { type: 'string', examples: ['instagram'] },
      entry: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            time: { type: 'integer' },
            messaging: { type: 'array', items: { type: 'object' } },
            changes: { type: 'array', items: { type: 'object' } },
          },
        },
      },
    },
  },
  WebhookResult: {
    type: 'object',
    required: ['status', 'stored', 'duplicates', 'applied', 'deferred', 'ignored'],
    properties: {
      status: { const: 'ok' },
      stored: { type: 'integer', description: 'New messages committed' },
      duplicates: { type: 'integer', description: 'Messages whose mid was already stored' },
      applied: { type: 'integer', description: 'Unsends, reactions, reads and edits applied' },
      deferred: { type: 'integer', description: 'Changes kept until their message arrives' },
      ignored: { type: 'integer', description: 'Events of kinds igbridge does not store (logged)' },
    },
  },
  Ready: {
    type: 'object',
    required: ['status', 'sqlite', 'crm', 'webhooks', 'accounts'],
    properties: {
      status: { const: 'ok' },
      sqlite: { const: 'ok' },
      crm: {
        type: 'object',
        required: ['state', 'pending', 'failed', 'not_mirrored', 'backlog'],
        properties: {
          state: { enum: ['disabled', 'ok', 'slow', 'down'], description: 'slow: the oldest CRM write in flight is older than CRM_SLOW_WRITE_MS; down: the last attempt failed or no connection' },
          reason: { type: 'string', description: 'with disabled: why; with down: the CRM table does not fit the mapping (the column named)' },
          missing: { type: 'array', items: { type: 'string' }, description: 'with disabled: the CRM_MYSQL_* variables that are not set although CRM_MYSQL_ENABLED=true' },
          pending: { type: 'integer', description: 'messages waiting to be written to the CRM' },
          failed: { type: 'integer', description: 'messages the CRM kept rejecting (crm:backfill retries them)' },
          not_mirrored: { type: 'integer', description: 'messages stored while the mirror was off (crm:backfill sends them)' },
          backlog: { type: 'integer', description: '= pending (kept for compatibility)' },
        },
      },
      webhooks: {
        type: 'object',
        required: ['last_received_at', 'state'],
        description: '`silent` when a history pass recovered messages more than WEBHOOK_SILENCE_ALERT_M newer than the last webhook',
        properties: { last_received_at: isoTime, state: { enum: ['ok', 'silent'] } },
      },
      accounts: { type: 'array', items: { $ref: '#/components/schemas/Account' }, description: 'every account with its token state (never required: 200 whatever they are)' },
    },
  },
} as const;
