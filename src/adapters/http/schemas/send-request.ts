import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { ValidationError } from '../../../domain/errors.js';
import { isMetaId, META_ID_RULE } from '../../../domain/meta-id.js';
import { checkImageUrl, checkOutgoingText, MAX_OUTGOING_TEXT_BYTES, type OutgoingMessage } from '../../../domain/outgoing-message.js';
import { describeError } from './problem.js';

/**
 * `POST /api/messages`: the one definition of its body (check, type, OpenAPI `SendRequest`).
 * What JSON Schema cannot say — exactly one of text or attachment, blank text, bytes of UTF-8,
 * an https URL — the domain's rules check in `toOutgoingMessage`.
 */
export const SendRequest = Type.Object(
  {
    recipient_id: Type.Refine(Type.String({ description: "the customer's IGSID" }), isMetaId, () => `must be an Instagram-scoped user id (IGSID: ${META_ID_RULE}), e.g. "6000000000000001"`),
    account_id: Type.Optional(
      Type.Union([Type.Refine(Type.String(), isMetaId, () => `must be the id of one of igbridge's Instagram accounts (${META_ID_RULE}; GET /api/accounts lists them)`), Type.Null()], {
        description:
          'The account that sends (GET /api/accounts). Needed only when the recipient talks to several accounts (else `400 account_required`), or writes to none of them while igbridge has several',
      }),
    ),
    text: Type.Optional(Type.String({ minLength: 1, description: `1–${MAX_OUTGOING_TEXT_BYTES} UTF-8 bytes, not blank` })),
    attachment: Type.Optional(
      Type.Object(
        {
          type: Type.Literal('image', { errorMessage: 'must be "image"' }),
          url: Type.String({ format: 'uri', description: 'An absolute https:// URL Meta can fetch, at most 2048 characters', errorMessage: { format: 'must be an absolute URL' } }),
        },
        { additionalProperties: false, errorMessage: { type: 'must be an object {"type": "image", "url": "https://..."}' } },
      ),
    ),
    tag: Type.Optional(Type.Literal('HUMAN_AGENT', { description: 'Reply up to 7 days after the customer wrote, where the app has that permission', errorMessage: 'must be "HUMAN_AGENT" when given' })),
  },
  { additionalProperties: false, description: 'Exactly one of `text` or `attachment`', errorMessage: { type: 'must be a JSON object' } },
);

export type SendRequest = Static<typeof SendRequest>;

const check = Compile(SendRequest);

/** A send body → the message to send, or a ValidationError naming the field. */
export function toOutgoingMessage(body: unknown): OutgoingMessage {
  if (!check.Check(body)) {
    const problem = describeError(SendRequest, check.Errors(body)[0]!, 'body');
    throw new ValidationError(problem.path === 'body' ? `the ${problem.sentence}` : problem.sentence, { field: problem.path === 'body' ? null : problem.path });
  }
  const humanAgent = body.tag === 'HUMAN_AGENT';
  if ((body.text === undefined) === (body.attachment === undefined)) {
    throw new ValidationError('give exactly one of text or attachment', { field: body.text === undefined ? 'text' : 'attachment' });
  }
  const content = body.attachment === undefined ? { kind: 'text' as const, text: checkOutgoingText(body.text!) } : { kind: 'image' as const, url: checkImageUrl(body.attachment.url) };
  return { recipientId: body.recipient_id, accountId: body.account_id ?? null, content, humanAgent };
}
