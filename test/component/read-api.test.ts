import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const ACCOUNT = '17841400000000001';

function message(customer: string, mid: string, timestamp: number, text: string, echo = false) {
  return {
    sender: { id: echo ? ACCOUNT : customer },
    recipient: { id: echo ? customer : ACCOUNT },
    timestamp,
    message: { mid, text, ...(echo ? { is_echo: true } : {}) },
  };
}

describe('read API', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
    const messaging = [
      ...Array.from({ length: 7 }, (_, i) => message('100', `m.100.${i}`, 1_700_000_000_000 + i * 1000, `hello ${i}`)),
      message('100', 'm.100.reply', 1_700_000_010_000, 'our answer', true),
      message('100', 'm.100.after', 1_700_000_011_000, 'thanks'),
      message('200', 'm.200.0', 1_700_000_005_500, 'other customer'),
    ];
    const response = await service.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging }] });
    expect(response.status).toBe(200);
  });
  afterAll(async () => {
    await service.stop();
  });

  it('when no bearer token is sent, then 401 with a JSON error', async () => {
    const response = await fetch(`${service.url}/api/conversations`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('when a wrong bearer token is sent, then 401', async () => {
    const response = await fetch(`${service.url}/api/conversations`, { headers: { authorization: 'Bearer wrong' } });
    expect(response.status).toBe(401);
  });

  it('when conversations are listed, then one row per customer, newest first, with counts', async () => {
    const response = await service.api('/api/conversations');
    expect(response.status).toBe(200);
    const { conversations } = (await response.json()) as { conversations: any[] };
    expect(conversations).toEqual([
      expect.objectContaining({
        user_id: '100',
        username: '100',
        last_message: { mid: 'm.100.after', direction: 'in', text: 'thanks', attachments: [], deleted: false },
        last_message_at: new Date(1_700_000_011_000).toISOString(),
        message_count: 9,
        unread_count: 1,
      }),
      expect.objectContaining({ user_id: '200', message_count: 1, unread_count: 1 }),
    ]);
  });

  it('when conversations are paged, then limit and before walk the list', async () => {
    const first = (await (await service.api('/api/conversations?limit=1')).json()) as any;
    expect(first.conversations.map((c: any) => c.user_id)).toEqual(['100']);
    const second = (await (await service.api(`/api/conversations?limit=1&before=${first.next_before}`)).json()) as any;
    expect(second.conversations.map((c: any) => c.user_id)).toEqual(['200']);
  });

  it('when conversations end in the same millisecond, then paging one by one skips none', async () => {
    const at = 1_600_000_000_000;
    await service.webhook({
      object: 'instagram',
      entry: [{ id: ACCOUNT, time: 1, messaging: ['301', '302', '303'].map((c) => message(c, `m.tie.${c}`, at, 'same moment')) }],
    });
    const seen: string[] = [];
    let before = `${at + 1}`;
    for (let page = 0; page < 3; page++) {
      const body = (await (await service.api(`/api/conversations?limit=1&before=${before}`)).json()) as any;
      seen.push(...body.conversations.map((c: any) => c.user_id));
      before = body.next_before;
    }
    expect(seen.sort()).toEqual(['301', '302', '303']);
  });

  it('when a thread is paged, then each page is oldest first and next_before leads to older messages', async () => {
    const seen: string[][] = [];
    let before: string | null = null;
    do {
      const query: string = before ? `?limit=4&before=${before}` : '?limit=4';
      const page = (await (await service.api(`/api/conversations/100/messages${query}`)).json()) as any;
      seen.push(page.messages.map((m: any) => m.mid));
      before = page.next_before;
    } while (before);
    expect(seen).toEqual([
      ['m.100.5', 'm.100.6', 'm.100.reply', 'm.100.after'],
      ['m.100.1', 'm.100.2', 'm.100.3', 'm.100.4'],
      ['m.100.0'],
    ]);
  });

  it('when before is an ISO date, then only older messages come back', async () => {
    const iso = new Date(1_700_000_002_000).toISOString();
    const page = (await (await service.api(`/api/conversations/100/messages?before=${iso}`)).json()) as any;
    expect(page.messages.map((m: any) => m.mid)).toEqual(['m.100.0', 'm.100.1']);
  });

  it('when limit is not a number in range, then 400 naming limit', async () => {
    for (const limit of ['0', 'abc', '201', '-1']) {
      const response = await service.api(`/api/conversations/100/messages?limit=${limit}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error).toMatchObject({ code: 'invalid_query', message: expect.stringContaining('limit') });
    }
  });

  it('when before is not a date or cursor, then 400 naming before', async () => {
    const response = await service.api('/api/conversations?before=soon');
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.message).toContain('before');
  });

  it('when several clients ask for the same pages at once, then each gets the whole page as JSON, with its length', async () => {
    const asked = ['/api/conversations?limit=200', '/api/conversations/100/messages?limit=50'].flatMap((path) => Array.from({ length: 4 }, () => service.api(path)));

    const responses = await Promise.all(asked);

    const bodies = await Promise.all(responses.map((response) => response.text()));
    for (const [i, response] of responses.entries()) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(bodies[i]!));
    }
    expect(new Set(bodies.slice(0, 4)).size).toBe(1);
    expect(new Set(bodies.slice(4)).size).toBe(1);
    expect(JSON.parse(bodies[0]!).conversations.map((c: any) => c.user_id)).toContain('100');
    expect(JSON.parse(bodies[4]!).messages.at(-1).mid).toBe('m.100.after');
  });

  it('when a customer has no messages, then an empty page', async () => {
    const page = (await (await service.api('/api/conversations/999/messages')).json()) as any;
    expect(page).toEqual({ user_id: '999', messages: [], next_before: null });
  });
});
