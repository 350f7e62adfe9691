import { ValidationError } from '../../domain/errors.js';
import { isMetaId, META_ID_RULE } from '../../domain/meta-id.js';
import { checkImageUrl, checkOutgoingText, type OutgoingMessage } from '../../domain/outgoing-message.js';
import { isObject, type Json } from './webhook/shape.js';


function onlyKnown(value: Json, allowed: string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `${where}${k}`).join(', ')} (allowed: ${allowed.join(', ')})`, {
      field: `${where}${unknown[0]}`,
    });
  }
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`, { field });
  return value;
}

/**
 * `POST /api/messages` body → the message to send. Either
 * `{"recipient_id", "text"}` or `{"recipient_id", "attachment": {"type": "image", "url"}}`,
 * optionally `"account_id"` (the account to send from) and `"tag": "HUMAN_AGENT"`; anything else is a ValidationError naming the field.
 */
export function parseSendRequest(body: unknown): OutgoingMessage {
  if (!isObject(body)) throw new ValidationError('the body must be a JSON object', { field: null });
  onlyKnown(body, ['recipient_id', 'account_id', 'text', 'attachment', 'tag'], '');
  if (body.recipient_id === undefined) throw new ValidationError('recipient_id is required (the customer\'s IGSID)', { field: 'recipient_id' });
  const recipientId = string(body.recipient_id, 'recipient_id');
  if (!isMetaId(recipientId)) {
    throw new ValidationError(`recipient_id must be an Instagram-scoped user id (IGSID: ${META_ID_RULE}), e.g. "6000000000000001"`, { field: 'recipient_id' });
  }
  const accountId = body.account_id === undefined || body.account_id === null ? null : string(body.account_id, 'account_id');
  if (accountId !== null && !isMetaId(accountId)) {
    throw new ValidationError(`account_id must be the id of one of igbridge's Instagram accounts (${META_ID_RULE}; GET /api/accounts lists them)`, { field: 'account_id' });
  }
  if (body.tag !== undefined && body.tag !== 'HUMAN_AGENT') {
    throw new ValidationError('tag must be "HUMAN_AGENT" when given', { field: 'tag' });
  }
  const humanAgent = body.tag === 'HUMAN_AGENT';
  if ((body.text === undefined) === (body.attachment === undefined)) {
    throw new ValidationError('give exactly one of text or attachment', { field: body.text === undefined ? 'text' : 'attachment' });
  }
  if (body.text !== undefined) {
    return { recipientId, accountId, content: { kind: 'text', text: checkOutgoingText(string(body.text, 'text')) }, humanAgent };
  }
  const attachment = body.attachment;
  if (!isObject(attachment)) throw new ValidationError('attachment must be an object {"type": "image", "url": "https://..."}', { field: 'attachment' });
  onlyKnown(attachment, ['type', 'url'], 'attachment.');
  if (attachment.type !== 'image') throw new ValidationError('attachment.type must be "image"', { field: 'attachment.type' });
  if (attachment.url === undefined) throw new ValidationError('attachment.url is required', { field: 'attachment.url' });
  const url = checkImageUrl(string(attachment.url, 'attachment.url'));
  return { recipientId, accountId, content: { kind: 'image', url }, humanAgent };
}
