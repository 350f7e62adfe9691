import { describe, expect, it } from 'vitest';
import { toOutgoingMessage } from '../../src/adapters/http/schemas/send-request.js';
import { parseWebhook } from '../../src/adapters/http/webhook/parse-webhook.js';

const item = (extra: object) => ({ object: 'instagram', entry: [{ id: '1', messaging: [{ sender: { id: '1' }, recipient: { id: '2' }, timestamp: 1, ...extra }] }] });
const M = 'entry[0].messaging[0]';

function refusal(run: () => unknown): { message: string; details: unknown } {
  try {
    run();
  } catch (error) {
    return { message: (error as Error).message, details: (error as { details?: unknown }).details };
  }
  throw new Error('accepted');
}

describe('the webhook schema: each refusal is one sentence naming the exact path', () => {
  it.each<[string, unknown, string]>([
    ['a body that is not an object', 5, 'body must be an object'],
    ['no object', {}, 'object is required'],
    ['entry not an array', { object: 'instagram', entry: {} }, 'entry must be an array'],
    ['an entry that is not an object', { object: 'instagram', entry: [5] }, 'entry[0] must be an object'],
    ['a sender id with letters', { object: 'instagram', entry: [{}, { messaging: [{ sender: { id: 'x' }, recipient: { id: '1' } }] }] }, 'entry[1].messaging[0].sender.id must be a Meta id (1 to 32 ASCII digits)'],
    ['no mid', item({ message: { text: 'x' } }), `${M}.message.mid is required`],
    ['a text that is a number', item({ message: { mid: 'm', text: 5 } }), `${M}.message.text must be a string`],
    ['a NUL in a text', item({ message: { mid: 'm', text: 'a\u0000' } }), `${M}.message.text must not contain NUL characters`],
    ['a 70 kB text', item({ message: { mid: 'm', text: 'a'.repeat(70_000) } }), `${M}.message.text must be at most 65535 bytes`],
    ['attachments null', item({ message: { mid: 'm', attachments: null } }), `${M}.message.attachments must be an array`],
    ['an empty attachment type', item({ message: { mid: 'm', attachments: [{ type: '' }] } }), `${M}.message.attachments[0].type must be a short string`],
    ['a reply_to that is a string', item({ message: { mid: 'm', reply_to: 'x' } }), `${M}.message.reply_to must be an object`],
    ['an empty reply_to.mid', item({ message: { mid: 'm', reply_to: { mid: '' } } }), `${M}.message.reply_to.mid must be a non-empty string of at most 256 characters`],
    ['is_echo as a string', item({ message: { mid: 'm', is_echo: 'true' } }), `${M}.message.is_echo must be true or false`],
    ['another reaction action', item({ reaction: { mid: 'm', action: 'like' } }), `${M}.reaction.action must be "react" or "unreact"`],
    ['a fractional edit count', item({ message_edit: { mid: 'm', num_edit: 1.5 } }), `${M}.message_edit.num_edit must be a whole number`],
    ['a timestamp in words', item({ timestamp: 'yesterday' }), `${M}.timestamp must be a timestamp in milliseconds or seconds`],
    ['a changes[] value with a bad recipient', { object: 'instagram', entry: [{ changes: [{ field: 'messages', value: { sender: { id: '1' }, recipient: { id: 'z' } } }] }] }, 'entry[0].changes[0].value.recipient.id must be a Meta id (1 to 32 ASCII digits)'],
  ])('when %s, then 400 says: %s', (_name, body, sentence) => {
    const { message, details } = refusal(() => parseWebhook(body, 1));
    expect(message).toBe(sentence);
    expect(details).toEqual({ path: sentence.split(' ')[0] });
  });

  it('when a delivery uses every documented kind with numeric ids, then each maps to its event and unknown kinds are only logged', () => {
    const body = {
      object: 'instagram',
      entry: [{ id: 2, messaging: [
        { sender: { id: 1 }, recipient: { id: 2 }, timestamp: 1_700_000_000_000, message: { mid: 5, text: 'hi', attachments: [{ type: 'image', payload: { url: 'u' } }], reply_to: { story: { id: 3, url: 'https://s' } }, quick_reply: { payload: 'Q' } } },
        { sender: { id: '1' }, recipient: { id: '2' }, timestamp: '1700000000', reaction: { mid: 'm', action: 'unreact' } },
        { sender: { id: '1' }, recipient: { id: '2' }, read: {} },
        { sender: { id: '1' }, recipient: { id: '2' }, future_kind: { x: 1 } },
      ] }],
    };
    const { events, ignored } = parseWebhook(body, 42);
    expect(events).toEqual([
      { kind: 'message', message: expect.objectContaining({ mid: '5', accountId: '2', customerId: '1', text: 'hi', attachments: [{ type: 'image', url: 'u' }], replyTo: { storyId: '3', storyUrl: 'https://s' }, payload: 'Q', sentAt: 1_700_000_000_000 }) },
      { kind: 'reaction', mid: 'm', action: 'unreact', reaction: null, emoji: null, at: 1_700_000_000_000 },
    ]);
    expect(ignored).toEqual(['entry[0].messaging[2]: read receipt without mid', 'entry[0].messaging[3]: unknown event kind "future_kind"']);
  });
});

describe('the send request schema', () => {
  it.each<[unknown, string, string | null]>([
    [[], 'the body must be a JSON object', null],
    [{ recipient_id: '1', text: 'hi', priority: 1 }, 'unknown field priority (allowed: recipient_id, account_id, text, attachment, tag)', 'priority'],
    [{ text: 'hi' }, "recipient_id is required (the customer's IGSID)", 'recipient_id'],
    [{ recipient_id: '1', attachment: { type: 'image', url: 'shoe.jpg' } }, 'attachment.url must be an absolute URL', 'attachment.url'],
    [{ recipient_id: '1', account_id: 'me', text: 'hi' }, "account_id must be the id of one of igbridge's Instagram accounts (1 to 32 ASCII digits; GET /api/accounts lists them)", 'account_id'],
  ])('when the body is %j, then 400 says: %s', (body, sentence, field) => {
    const { message, details } = refusal(() => toOutgoingMessage(body));
    expect(message).toBe(sentence);
    expect(details).toEqual({ field });
  });
});
