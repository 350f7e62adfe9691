import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

/** The two cases the fuzz test found, kept as plain examples. */
function delivery(message: string): string {
  return `{"object":"instagram","entry":[{"messaging":[{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":1500000000000,"message":${message}}]}]}`;
}

describe('webhook bodies Meta would not send', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService({ LOG_LEVEL: 'silent' });
  });
  afterEach(async () => {
    await service.stop();
  });

  it('when an item nests 5,000 levels deep, then it is refused with 400 naming the item and nothing is stored', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const response = await service.webhook(delivery(`{"mid":"m.deep","text":"hi","extra":${deep}}`));
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; path: string } };
    expect(error.code).toBe('invalid_payload');
    expect(error.path).toMatch(/^entry\[0\]\.messaging\[0\]\.message\.extra(\[0\])+$/);
    const db = new Database(service.sqlitePath, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0);
    db.close();
  });

  it('when a text and a mid hold lone surrogates, then they are stored as U+FFFD, valid UTF-8', async () => {
    const response = await service.webhook(delivery('{"mid":"m.\\ud800","text":"a\\udc00b"}'));
    expect(response.status).toBe(200);
    const db = new Database(service.sqlitePath, { readonly: true });
    const row = db.prepare('SELECT mid, text, hex(text) AS bytes FROM messages').get() as { mid: string; text: string; bytes: string };
    db.close();
    expect(row).toEqual({ mid: 'm.\ufffd', text: 'a\ufffdb', bytes: '61EFBFBD62' });
  });
});
