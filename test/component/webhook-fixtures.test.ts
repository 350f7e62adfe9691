import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureNames } from '../support/fixtures.js';
import { startTestService, type TestService } from '../support/service.js';

const ACCOUNT = '17841400000000001';
const ALICE = '6000000000000001';
const BOB = '6000000000000002';

async function thread(service: TestService, userId: string) {
  const response = await service.api(`/api/conversations/${userId}/messages?limit=200`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: any[] }).messages;
}

async function byMid(service: TestService, userId: string, mid: string) {
  return (await thread(service, userId)).find((message) => message.mid === mid);
}

describe('webhook fixtures, posted signed, read back through the API', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  it('when every fixture is posted, then every one is answered 200', async () => {
    const names = fixtureNames();
    expect(names.length).toBeGreaterThanOrEqual(16);
    for (const name of names) {
      const response = await service.webhook(fixtureBytes(name));
      expect(response.status, name).toBe(200);
    }
  });

  it('when a text message arrives, then the API shows it inbound with every field', async () => {
    await service.webhook(fixtureBytes('f1-text'));
    const [message] = await thread(service, ALICE);
    expect(message).toMatchObject({
      mid: 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx',
      user_id: ALICE,
      account_id: ACCOUNT,
      direction: 'in',
      text: 'Hello, do you ship to Berlin?',
      attachments: [],
      reply_to: null,
      reaction: null,
      deleted: false,
      edited: false,
      timestamp: '2019-09-23T18:14:45.349Z',
      timestamp_ms: 1569262485349,
      crm: { state: 'not_mirrored', attempts: 0, last_error: null },
    });
  });

  it('when escaped unicode arrives, then the text is stored decoded', async () => {
    await service.webhook(fixtureBytes('f2-unicode-text'));
    expect((await byMid(service, ALICE, 'mid.unicode.0001')).text).toBe('Café ❤️');
  });

  it('when a batch of two entries arrives, then all three messages are stored under their customers', async () => {
    await service.webhook(fixtureBytes('f3-batch'));
    expect((await thread(service, ALICE)).map((m) => [m.mid, m.text])).toEqual([
      ['mid.batch.1', 'first'],
      ['mid.batch.2', 'second'],
    ]);
    expect((await thread(service, BOB)).map((m) => [m.mid, m.text])).toEqual([['mid.batch.3', 'third, other user']]);
  });

  it('when an echo arrives, then it is outbound and filed under the recipient', async () => {
    await service.webhook(fixtureBytes('f4-echo'));
    expect(await byMid(service, ALICE, 'mid.echo.0001')).toMatchObject({
      direction: 'out',
      user_id: ALICE,
      account_id: ACCOUNT,
      text: 'Yes, we ship to Berlin.',
    });
  });

  it('when attachments arrive, then each is kept with its type and url', async () => {
    await service.webhook(fixtureBytes('f5-attachments'));
    await service.webhook(fixtureBytes('f6-story-mention'));
    expect((await byMid(service, ALICE, 'mid.att.0001'))).toMatchObject({
      text: null,
      attachments: [
        { type: 'image', url: 'https://lookaside.example/img1.jpg' },
        { type: 'video', url: 'https://lookaside.example/vid1.mp4' },
      ],
    });
    expect((await byMid(service, ALICE, 'mid.story.0001')).attachments).toEqual([
      { type: 'story_mention', url: 'https://www.example.com/test.jpeg' },
    ]);
  });

  it('when the customer unsends, then the message is marked deleted and kept', async () => {
    await service.webhook(fixtureBytes('f1-text'));
    await service.webhook(fixtureBytes('f7-unsend'));
    const message = await byMid(service, ALICE, 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx');
    expect(message).toMatchObject({ deleted: true, deleted_at: '2019-09-23T18:14:59.000Z', text: 'Hello, do you ship to Berlin?' });
    expect(await thread(service, ALICE)).toHaveLength(1);
  });

  it('when replies arrive, then reply_to names the message or the story', async () => {
    await service.webhook(fixtureBytes('f8-inline-reply'));
    await service.webhook(fixtureBytes('f9-story-reply'));
    expect((await byMid(service, ALICE, 'mid.reply.0001')).reply_to).toEqual({ mid: 'mid.echo.0001', story_id: null, story_url: null });
    expect((await byMid(service, ALICE, 'mid.storyreply.0001')).reply_to).toEqual({
      mid: null,
      story_id: '17900000000000001',
      story_url: 'https://chatwoot-assets.local/sample.png',
    });
  });

  it('when a quick reply arrives, then its payload is kept with the text', async () => {
    await service.webhook(fixtureBytes('f10-quick-reply'));
    expect(await byMid(service, ALICE, 'mid.qr.0001')).toMatchObject({ text: 'Yes', payload: 'CONFIRM_YES' });
  });

  it('when the customer reacts and then unreacts, then the reaction is set and then cleared', async () => {
    await service.webhook(fixtureBytes('f4-echo'));
    await service.webhook(fixtureBytes('f11-reaction-react'));
    expect((await byMid(service, ALICE, 'mid.echo.0001')).reaction).toEqual({
      reaction: 'love',
      emoji: '❤️',
      at: '2019-09-23T18:14:45.349Z',
    });
    await service.webhook(fixtureBytes('f11-reaction-unreact'));
    expect((await byMid(service, ALICE, 'mid.echo.0001')).reaction).toBeNull();
    expect(await thread(service, ALICE)).toHaveLength(1);
  });

  it('when a postback arrives, then it is an inbound message whose text is the button title', async () => {
    await service.webhook(fixtureBytes('f12-postback'));
    expect(await byMid(service, ALICE, 'mid.pb.0001')).toMatchObject({
      direction: 'in',
      text: 'Opening hours?',
      payload: 'HOURS',
      timestamp_ms: 1502905976377,
    });
  });

  it('when a read receipt arrives, then our message is marked read', async () => {
    await service.webhook(fixtureBytes('f4-echo'));
    await service.webhook(fixtureBytes('f13-read'));
    expect((await byMid(service, ALICE, 'mid.echo.0001')).read_at).toBe('2019-09-23T18:14:45.349Z');
  });

  it('when a message is edited, then the new text replaces the old and it is marked edited', async () => {
    await service.webhook(fixtureBytes('f8-inline-reply'));
    await service.webhook(fixtureBytes('f14-message-edit'));
    expect(await byMid(service, ALICE, 'mid.reply.0001')).toMatchObject({
      text: 'Great, thank you!',
      edited: true,
      edit_count: 1,
      edited_at: '2019-09-23T18:15:19.000Z',
    });
  });

  it('when the dashboard test (changes[], seconds as a string) arrives, then it is stored with the time in ms', async () => {
    await service.webhook(fixtureBytes('f15-dashboard-test-changes'));
    expect(await byMid(service, '12334', 'random_mid')).toMatchObject({
      direction: 'in',
      account_id: '23245',
      text: 'random_text',
      timestamp_ms: 1527459824000,
    });
  });

  it('when changes arrive before their message, then they are applied once the message comes', async () => {
    await service.webhook(fixtureBytes('f11-reaction-react'));
    await service.webhook(fixtureBytes('f13-read'));
    expect(await thread(service, ALICE)).toHaveLength(0);
    await service.webhook(fixtureBytes('f4-echo'));
    expect(await byMid(service, ALICE, 'mid.echo.0001')).toMatchObject({
      reaction: { reaction: 'love', emoji: '❤️' },
      read_at: '2019-09-23T18:14:45.349Z',
    });
  });

  it('when every fixture has been posted, then the conversations list shows both customers, newest first', async () => {
    for (const name of fixtureNames()) await service.webhook(fixtureBytes(name));
    const response = await service.api('/api/conversations');
    const { conversations } = (await response.json()) as { conversations: any[] };
    expect(conversations.map((c) => c.user_id)).toEqual([ALICE, BOB, '12334']);
    expect(conversations[0]).toMatchObject({
      user_id: ALICE,
      username: ALICE,
      last_message: { mid: 'mid.reply.0001', direction: 'in', text: 'Great, thank you!' },
      last_message_at: '2019-09-23T18:15:09.000Z',
      message_count: 11,
    });
    expect(conversations[1]).toMatchObject({ user_id: BOB, message_count: 1, unread_count: 1 });
  });
});
