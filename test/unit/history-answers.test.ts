import { describe, expect, it } from 'vitest';
import { conversationsPage, messageDetails, messagesPage, metaTime } from '../../src/adapters/graph/history-answers.js';

describe("the Conversations API's answers", () => {
  it("when Meta gives a time, then its ISO form with +0000 and Unix seconds are both read", () => {
    expect(metaTime('2026-11-30T10:00:00+0000')).toBe(Date.parse('2026-11-30T10:00:00Z'));
    expect(metaTime('2026-11-30T12:00:00+0200')).toBe(Date.parse('2026-11-30T10:00:00Z'));
    expect(metaTime('1796032800')).toBe(Date.parse('2026-11-30T10:00:00Z'));
    expect(metaTime(1796032800)).toBe(Date.parse('2026-11-30T10:00:00Z'));
    expect(metaTime('yesterday')).toBeNull();
  });

  it('when a page has paging.next, then its after cursor is the next page; without it there is none', () => {
    const data = [{ id: 'c1', updated_time: '2026-11-30T10:00:00+0000' }];
    expect(conversationsPage({ data, paging: { cursors: { before: 'b', after: 'a1' }, next: 'https://…' } })).toEqual({ items: [{ id: 'c1', updatedAt: Date.parse('2026-11-30T10:00:00Z') }], after: 'a1', dropped: 0 });
    expect(conversationsPage({ data, paging: { cursors: { before: 'b', after: 'a1' } } }).after).toBeNull();
  });

  it('when the messages come nested under a conversation or from the edge, then both are read, and malformed items are dropped', () => {
    const page = { data: [{ id: 'm1', created_time: '2026-11-30T10:00:00+0000' }, { id: 'm 2', created_time: '2026-11-30T10:00:00+0000' }, { id: 'm3' }] };
    expect(messagesPage({ messages: page, id: 'c1' })).toMatchObject({ items: [{ mid: 'm1' }], dropped: 2 });
    expect(messagesPage(page)).toMatchObject({ items: [{ mid: 'm1' }], dropped: 2 });
  });

  it('when a message has attachments, shares and a story, then each becomes an attachment stand-in', () => {
    const message = messageDetails({
      id: 'm1',
      created_time: '2026-11-30T10:00:00+0000',
      from: { username: 'alice', id: '6000000000000001' },
      to: { data: [{ username: 'acme', id: '17841400000000001' }] },
      message: '',
      attachments: { data: [
        { mime_type: 'image/jpeg', image_data: { url: 'https://cdn/i.jpg' } },
        { mime_type: 'video/mp4', video_data: { url: 'https://cdn/v.mp4' } },
        { mime_type: 'audio/mpeg', file_url: 'https://cdn/a.mp3' },
      ] },
      shares: { data: [{ link: 'https://cdn/share.jpg' }] },
      story: { mention: { link: 'https://cdn/story.jpg', id: '1' } },
    }, 'm1');
    expect(message).toMatchObject({
      text: null,
      from: { id: '6000000000000001', username: 'alice' },
      to: [{ id: '17841400000000001', username: 'acme' }],
      attachments: [
        { type: 'image', url: 'https://cdn/i.jpg' },
        { type: 'video', url: 'https://cdn/v.mp4' },
        { type: 'audio', url: 'https://cdn/a.mp3' },
        { type: 'share', url: 'https://cdn/share.jpg' },
        { type: 'story_mention', url: 'https://cdn/story.jpg' },
      ],
    });
  });

  it.each([
    ['a sender id that is not 1–32 digits', { from: { id: '../me' } }],
    ['a sender id longer than 32 digits', { from: { id: '1'.repeat(33) } }],
    ['no time', { created_time: 'soon' }],
    ['another message id', { id: 'm2' }],
  ])('when the details have %s, then they are not used', (_what, change) => {
    const base = { id: 'm1', created_time: '2026-11-30T10:00:00+0000', from: { id: '6000000000000001' }, to: { data: [] }, message: 'hi' };
    expect(messageDetails({ ...base, ...change }, 'm1')).toBeNull();
  });
});
