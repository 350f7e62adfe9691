import Type from 'typebox';
import * as answers from '../schemas/answers.js';
import { ErrorBody, GraphError, NotReady } from '../schemas/error-body.js';
import { Before, Limit, MetaIdParam } from '../schemas/query-params.js';
import { SendRequest } from '../schemas/send-request.js';
import { MessagingItem, WebhookPayload } from '../schemas/webhook.js';

/** The components: the very schemas the service checks bodies with and types its answers by. */
const schemas = {
  Error: ErrorBody,
  GraphError,
  NotReady,
  SendRequest,
  WebhookPayload,
  MessagingItem,
  Attachment: answers.Attachment,
  CrmSync: answers.CrmSync,
  Message: answers.Message,
  Conversation: answers.Conversation,
  Account: answers.Account,
  AccountList: answers.AccountList,
  ConversationPage: answers.ConversationPage,
  MessagePage: answers.MessagePage,
  WebhookResult: answers.WebhookResult,
  Health: answers.Health,
  Ready: answers.Ready,
};
const text = { type: 'string' } as const;


const ref = (name: keyof typeof schemas) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const unauthorized = {
  '401': error('Missing or wrong bearer token (or API_TOKEN not set on the server)'),
  '403': error('`forbidden_origin`: an Origin that is neither the service itself nor listed in API_ALLOWED_ORIGINS'),
};
const bearer = [{ bearer: [] }];
/** A read page's validator: sent back in If-None-Match, it is answered 304 while the page is unchanged. */
const revalidated = {
  parameter: {
    name: 'If-None-Match', in: 'header', schema: text,
    description: 'The page’s `ETag` from an earlier answer: `304` with no body while nothing the page shows has changed (a browser sends it by itself)',
  },
  headers: { ETag: { description: 'The page’s validator (the embedded SQLite store only; PostgreSQL instances send every page whole)', schema: text } },
  notModified: { '304': { description: 'Not modified: the client’s copy (its If-None-Match) is the page as it is now' } },
};

/** OpenAPI 3.1 description of every route of the service (a test compares it with the routers). */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'igbridge',
      version,
      description:
        'Instagram DM webhooks into a local SQLite store, replies through the Instagram Send API, and a one-way mirror into a CRM MySQL table. ' +
        'Every error answer is `{"error": {"code", "message"}}`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The service’s API_TOKEN' } },
      schemas,
    },
    paths: {
      '/webhooks/instagram': {
        get: {
          operationId: 'verifyWebhook',
          tags: ['webhooks'],
          summary: "Meta's subscription handshake",
          parameters: [
            { name: 'hub.mode', in: 'query', required: true, schema: Type.Literal('subscribe') },
            { name: 'hub.verify_token', in: 'query', required: true, schema: text, description: 'Must equal IG_VERIFY_TOKEN' },
            { name: 'hub.challenge', in: 'query', required: true, schema: text },
          ],
          responses: {
            '200': { description: 'The bare challenge', content: { 'text/plain': { schema: text } } },
            '403': error('Wrong mode or verify token'),
          },
        },
        post: {
          operationId: 'receiveWebhook',
          tags: ['webhooks'],
          summary: 'Signed Instagram events, committed to SQLite before the answer',
          parameters: [
            {
              name: 'X-Hub-Signature-256',
              in: 'header',
              required: true,
              schema: Type.String({ pattern: '^sha256=[0-9a-f]{64}$' }),
              description: 'HMAC-SHA256 of the raw body with IG_APP_SECRET',
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: ref('WebhookPayload') } } },
          responses: {
            '200': json(ref('WebhookResult'), 'Processed (also for event kinds that are only logged)'),
            '400': error('`malformed_json`, or `invalid_payload` naming the first bad value in `error.path`'),
            '401': error('Missing, malformed (answered before the body is read) or wrong signature, or IG_APP_SECRET not set'),
            '408': error('`body_timeout`: the body did not arrive within HTTP_BODY_TIMEOUT_S'),
            '413': error('Body over 1 MiB'),
            '503': error('`overloaded`: WEBHOOK_MAX_INFLIGHT_BYTES of bodies are being received; retry after `Retry-After`'),
          },
        },
      },
      '/api/conversations': {
        get: {
          operationId: 'listConversations',
          tags: ['api'],
          summary: 'One row per conversation (account and customer), newest first',
          security: bearer,
          parameters: [
            { name: 'account_id', in: 'query', schema: MetaIdParam, description: "Only this account's conversations (GET /api/accounts)" },
            { name: 'limit', in: 'query', schema: Limit },
            { name: 'before', in: 'query', schema: text, description: 'ISO date or milliseconds: conversations whose last message is older' },
            revalidated.parameter,
          ],
          responses: {
            '200': { ...json(ref('ConversationPage'), 'A page of conversations'), headers: revalidated.headers },
            ...revalidated.notModified,
            '400': error('`invalid_query`'),
            '503': error('`store_busy`: too many reads are waiting for the local database; retry after `Retry-After`'),
            ...unauthorized,
          },
        },
      },
      '/api/conversations/{userId}/messages': {
        get: {
          operationId: 'listMessages',
          tags: ['api'],
          summary: "One customer's messages, oldest first, each with its CRM sync state",
          security: bearer,
          parameters: [
            { name: 'userId', in: 'path', required: true, schema: MetaIdParam, description: "The customer's IGSID" },
            { name: 'account_id', in: 'query', schema: MetaIdParam, description: 'Only the messages with this account' },
            { name: 'limit', in: 'query', schema: Limit },
            { name: 'before', in: 'query', schema: Before },
            revalidated.parameter,
          ],
          responses: {
            '200': { ...json(ref('MessagePage'), 'The newest page (or the page before `before`), oldest first'), headers: revalidated.headers },
            ...revalidated.notModified,
            '400': error('`invalid_user_id` or `invalid_query`'),
            ...unauthorized,
            '503': error('`store_busy`: too many reads are waiting for the local database; retry after `Retry-After`'),
          },
        },
      },
      '/api/messages': {
        post: {
          operationId: 'sendMessage',
          tags: ['api'],
          summary: 'Sends a reply through the Instagram Send API and stores it',
          security: bearer,
          requestBody: { required: true, content: { 'application/json': { schema: ref('SendRequest') } } },
          responses: {
            '201': json(ref('Message'), 'Sent and stored (mirrored to the CRM like any message)'),
            '400': error('Invalid body (missing recipient, text empty or over 1000 bytes, …); `account_required`: the recipient talks to several accounts and no `account_id` says which; `unknown_account`: `account_id` is not one of igbridge\'s accounts'),
            ...unauthorized,
            '415': error('`unsupported_media_type`: the body is not sent as Content-Type: application/json'),
            '502': error("The Send API refused or could not be reached; Meta's error is in `error.graph`, the kind in `error.reason`"),
            '503': error('`graph_not_configured`: no account to send from (IG_ACCESS_TOKEN not set, none added), or none with a token for this conversation'),
            '504': error('The Send API did not answer in time; the outcome is unknown'),
          },
        },
      },
      '/api/accounts': {
        get: {
          operationId: 'listAccounts',
          tags: ['api'],
          summary: 'The Instagram accounts igbridge serves, with their token state (never a token)',
          security: bearer,
          responses: {
            '200': json(ref('AccountList'), 'Every account, oldest first'),
            ...unauthorized,
          },
        },
      },
      '/api/events': {
        get: {
          operationId: 'streamEvents',
          tags: ['api'],
          summary: 'Server-sent events: one `change` event each time the local store changed',
          description:
            'A `text/event-stream` that stays open. Events: `ready` once, then `change` with data `{"user_ids": [...], "stored": n, "applied": n}`; ' +
            'a comment line every 20 s keeps it alive. The client re-reads what it shows through the API. Send the bearer in the Authorization header ' +
            '(the inbox reads the stream with fetch).',
          security: bearer,
          responses: {
            '200': { description: 'The event stream', content: { 'text/event-stream': { schema: text } } },
            '503': error('`too_many_streams`: EVENTS_MAX_CLIENTS streams are open; retry after `Retry-After`'),
            ...unauthorized,
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'healthz',
          tags: ['operations'],
          summary: 'Liveness',
          responses: { '200': json(ref('Health'), 'The process answers') },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          tags: ['operations'],
          summary: 'The store (SQLite, or PostgreSQL with DATABASE_URL) can write (one row of a health table); the CRM state is reported, never required',
          responses: {
            '200': json(ref('Ready'), 'Ready'),
            '503': json(ref('NotReady'), 'The store cannot write (SQLite locked or its disk full; PostgreSQL unreachable or failing)'),
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          tags: ['operations'],
          summary: 'Prometheus metrics (text exposition format)',
          description: 'With METRICS_TOKEN set, send it as `Authorization: Bearer <METRICS_TOKEN>`.',
          responses: {
            '200': { description: 'Metrics', content: { 'text/plain': { schema: text } } },
            '401': error('METRICS_TOKEN is set and was not sent'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          tags: ['operations'],
          summary: 'This document',
          responses: { '200': json(Type.Object({ openapi: Type.Literal('3.1.0') }), 'OpenAPI 3.1') },
        },
      },
      '/': {
        get: {
          operationId: 'inbox',
          tags: ['inbox'],
          summary: 'The inbox page (asks for the API token once)',
          responses: { '200': { description: 'HTML', content: { 'text/html': { schema: text } } }, '304': { description: 'Not modified' } },
        },
      },
      '/inbox/{file}': {
        get: {
          operationId: 'inboxFile',
          tags: ['inbox'],
          summary: "The inbox's files: its ES modules (inbox.js is the entry), stylesheet and icon (cached for a year when `v` matches their content hash)",
          parameters: [
            { name: 'file', in: 'path', required: true, schema: Type.String({ examples: ['inbox.js', 'inbox.css', 'favicon.svg'] }) },
            { name: 'v', in: 'query', schema: text },
          ],
          responses: {
            '200': { description: 'JavaScript, CSS or SVG', content: { 'text/javascript': { schema: text }, 'text/css': { schema: text }, 'image/svg+xml': { schema: text } } },
            '304': { description: 'Not modified' },
            '404': { description: 'No such file' },
          },
        },
      },
      '/favicon.ico': {
        get: {
          operationId: 'favicon',
          tags: ['inbox'],
          summary: 'The inbox icon (SVG)',
          responses: { '200': { description: 'SVG', content: { 'image/svg+xml': { schema: text } } } },
        },
      },
    },
  };
}
