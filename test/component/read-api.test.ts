import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { metricValue } from '../support/metrics.js';
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

describe('read API: pages kept until what they show changes (READ_CACHE_MB)', () => {
  let service: TestService;
  const hits = () => metricValue(service.url, 'igbridge_read_cache_total{outcome="hit"}');
  const thread = async (customer: string) => (await (await service.api(`/api/conversations/${customer}/messages`)).json()) as any;
  const list = async () => (await (await service.api('/api/conversations')).json()) as any;
  beforeAll(async () => {
    service = await startTestService();
    await service.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging: [message('100', 'm.1', 1_700_000_000_000, 'first'), message('200', 'm.2', 1_700_000_000_500, 'other')] }] });
  });
  afterAll(async () => {
    await service.stop();
  });

  it('when a page is asked again with nothing changed, then it is answered from the cache, byte for byte', async () => {
    const first = await (await service.api('/api/conversations/100/messages')).text();
    const hitsBefore = await hits();

    const again = await (await service.api('/api/conversations/100/messages')).text();

    expect(again).toBe(first);
    expect(await hits()).toBe(hitsBefore + 1);
  });

  it('when a webhook brings a message, then the next pages show it; another customer\'s unchanged thread is still answered from the cache', async () => {
    await thread('100');
    await thread('200');
    await list();

    await service.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging: [message('100', 'm.3', 1_700_000_001_000, 'second')] }] });
    const hitsBefore = await hits();

    expect((await thread('100')).messages.map((m: any) => m.text)).toEqual(['first', 'second']);
    expect((await list()).conversations[0]).toMatchObject({ user_id: '100', last_message: { text: 'second' }, message_count: 2 });
    expect((await thread('200')).messages.map((m: any) => m.text)).toEqual(['other']);
    expect(await hits()).toBe(hitsBefore + 1);
  });

  it('when a read receipt, an unsend or our own echo comes, then the page shows it at once', async () => {
    await service.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging: [message('100', 'm.out', 1_700_000_002_000, 'our reply', true)] }] });
    expect((await thread('100')).messages.at(-1)).toMatchObject({ mid: 'm.out', direction: 'out', read_at: null });

    await service.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging: [{ sender: { id: '100' }, recipient: { id: ACCOUNT }, timestamp: 1_700_000_003_000, read: { mid: 'm.out' } }] }] });
    expect((await thread('100')).messages.at(-1).read_at).toBe(new Date(1_700_000_003_000).toISOString());

    await service.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging: [{ sender: { id: '100' }, recipient: { id: ACCOUNT }, timestamp: 1_700_000_004_000, message: { mid: 'm.1', is_deleted: true } }] }] });
    expect((await thread('100')).messages[0]).toMatchObject({ mid: 'm.1', deleted: true });
  });

  it('when another process writes to the database file, then the next pages show its write', async () => {
    await thread('200');
    await list();
    const other = new Database(service.sqlitePath);

    other.prepare("UPDATE messages SET text = 'changed by another process' WHERE mid = 'm.2'").run();
    other.close();

    expect((await thread('200')).messages[0].text).toBe('changed by another process');
    expect((await list()).conversations.find((c: any) => c.user_id === '200').last_message.text).toBe('changed by another process');
  });

  it('when READ_CACHE_MB is 0, then nothing is kept and every page is read', async () => {
    const uncached = await startTestService({ READ_CACHE_MB: '0' });
    try {
      await uncached.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging: [message('100', 'm.1', 1_700_000_000_000, 'first')] }] });
      let tag = '';
      for (let i = 0; i < 3; i++) {
        const response = await uncached.api('/api/conversations/100/messages');
        expect(response.status).toBe(200);
        tag = response.headers.get('etag')!;
      }
      // Revalidation needs no kept page: the change mark alone says the client's copy is current.
      expect((await uncached.api('/api/conversations/100/messages', { headers: { 'if-none-match': tag } })).status).toBe(304);

      expect(await metricValue(uncached.url, 'igbridge_read_cache_total{outcome="hit"}')).toBe(0);
      expect(await metricValue(uncached.url, 'igbridge_read_cache_total{outcome="miss"}')).toBe(3);
      expect(await metricValue(uncached.url, 'igbridge_limit_in_use{resource="read_cache"}')).toBe(0);
    } finally {
      await uncached.stop();
    }
  });
});

describe('read API: pages revalidated with their ETag (If-None-Match → 304)', () => {
  let service: TestService;
  const notModified = () => metricValue(service.url, 'igbridge_read_cache_total{outcome="not_modified"}');
  const ask = (path: string, headers: Record<string, string> = {}) => service.api(path, { headers });
  const tagOf = async (path: string) => {
    const response = await ask(path);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    return response.headers.get('etag')!;
  };
  const deliver = (...messaging: object[]) => service.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging }] });
  beforeAll(async () => {
    service = await startTestService();
    await deliver(message('100', 'm.1', 1_700_000_000_000, 'first'), message('200', 'm.2', 1_700_000_000_500, 'other'));
  });
  afterAll(async () => {
    await service.stop();
  });

  it('when a page is asked again with its ETag and nothing changed, then 304 with no body and the same ETag, counted not_modified', async () => {
    for (const path of ['/api/conversations', '/api/conversations/100/messages']) {
      const first = await ask(path);
      const tag = first.headers.get('etag');
      expect(tag).toMatch(/^"[^"]+"$/);
      expect(first.headers.get('cache-control')).toBe('private, no-cache');
      expect(((await first.json()) as any)).toBeTruthy();
      const before = await notModified();

      const again = await ask(path, { 'if-none-match': tag! });

      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      expect(again.headers.get('etag')).toBe(tag);
      expect(again.headers.get('cache-control')).toBe('private, no-cache');
      expect(await notModified()).toBe(before + 1);
      // A weak form of the same tag, or the tag in a list, is the same page.
      expect((await ask(path, { 'if-none-match': `W/${tag}` })).status).toBe(304);
      expect((await ask(path, { 'if-none-match': `"elsewhere", ${tag}` })).status).toBe(304);
    }
  });

  it('when what the page shows changed since (a message, a read receipt, another process\'s write), then the whole new page with a new ETag; an unchanged thread is still 304', async () => {
    const listTag = await tagOf('/api/conversations');
    const tag100 = await tagOf('/api/conversations/100/messages');
    const tag200 = await tagOf('/api/conversations/200/messages');

    await deliver(message('100', 'm.3', 1_700_000_001_000, 'second'));

    const list = await ask('/api/conversations', { 'if-none-match': listTag });
    expect(list.status).toBe(200);
    expect(((await list.json()) as any).conversations[0]).toMatchObject({ user_id: '100', last_message: { text: 'second' } });
    expect(list.headers.get('etag')).not.toBe(listTag);
    const thread = await ask('/api/conversations/100/messages', { 'if-none-match': tag100 });
    expect(thread.status).toBe(200);
    expect(((await thread.json()) as any).messages.map((m: any) => m.text)).toEqual(['first', 'second']);
    expect((await ask('/api/conversations/200/messages', { 'if-none-match': tag200 })).status).toBe(304);

    await deliver(message('100', 'm.out', 1_700_000_002_000, 'our reply', true));
    const beforeReceipt = await tagOf('/api/conversations/100/messages');
    await deliver({ sender: { id: '100' }, recipient: { id: ACCOUNT }, timestamp: 1_700_000_003_000, read: { mid: 'm.out' } });
    const receipt = await ask('/api/conversations/100/messages', { 'if-none-match': beforeReceipt });
    expect(receipt.status).toBe(200);
    expect(((await receipt.json()) as any).messages.at(-1).read_at).toBe(new Date(1_700_000_003_000).toISOString());

    const beforeOther = await tagOf('/api/conversations/200/messages');
    const other = new Database(service.sqlitePath);
    other.prepare("UPDATE messages SET text = 'changed by another process' WHERE mid = 'm.2'").run();
    other.close();
    const changed = await ask('/api/conversations/200/messages', { 'if-none-match': beforeOther });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as any).messages[0].text).toBe('changed by another process');
  });

  it('when the ETag is another page\'s, then the whole page; `*` names any page there is', async () => {
    const tag100 = await tagOf('/api/conversations/100/messages');
    const tagLimit1 = await tagOf('/api/conversations?limit=1');

    expect((await ask('/api/conversations/200/messages', { 'if-none-match': tag100 })).status).toBe(200);
    expect((await ask('/api/conversations/100/messages?limit=1', { 'if-none-match': tag100 })).status).toBe(200);
    expect((await ask('/api/conversations', { 'if-none-match': tagLimit1 })).status).toBe(200);
    expect((await ask('/api/conversations', { 'if-none-match': '*' })).status).toBe(304);
  });

  it('when the service restarts on the same database, then an ETag from before is not taken for the page now', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igbridge-restart-'));
    const sqlitePath = join(dir, 'igbridge.db');
    const first = await startTestService({ SQLITE_PATH: sqlitePath });
    const path = '/api/conversations/100/messages';
    await first.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging: [message('100', 'r.1', 1_700_000_000_000, 'before the restart')] }] });
    const tag = (await first.api(path)).headers.get('etag')!;
    await first.stop();
    const second = await startTestService({ SQLITE_PATH: sqlitePath });
    try {
      // The same number of writes since start as before: only the process's id tells the pages apart.
      await second.webhook({ object: 'instagram', entry: [{ id: ACCOUNT, time: 1, messaging: [message('100', 'r.2', 1_700_000_001_000, 'after the restart')] }] });
      const after = await second.api(path, { headers: { 'if-none-match': tag } });
      expect(after.status).toBe(200);
      expect(((await after.json()) as any).messages.map((m: any) => m.text)).toEqual(['before the restart', 'after the restart']);
      const withoutProcess = (etag: string) => etag.slice(etag.indexOf('.'));
      expect(withoutProcess(after.headers.get('etag')!)).toBe(withoutProcess(tag));
    } finally {
      await second.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
