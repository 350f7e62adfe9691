import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture, fixtureBytes } from '../support/fixtures.js';
import { startTestService, type TestService } from '../support/service.js';
import { sqliteRows } from '../support/sqlite-rows.js';

describe('webhook redeliveries', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const mids = () => sqliteRows<{ mid: string }>(service.sqlitePath, 'SELECT mid FROM messages ORDER BY id').map((r) => r.mid);

  it('when the same payload is delivered three times, then one message is stored', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await service.webhook(fixtureBytes('f1-text')));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await answers[2]!.json()).toMatchObject({ stored: 0, duplicates: 1 });
    expect(mids()).toEqual(['aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx']);
  });

  it('when two deliveries of the same payload arrive at the same moment, then one message is stored', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => service.webhook(fixtureBytes('f3-batch'))));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const stored = await Promise.all(answers.map(async (r) => ((await r.json()) as { stored: number }).stored));
    expect(stored.reduce((a, b) => a + b, 0)).toBe(3);
    expect(mids()).toEqual(['mid.batch.1', 'mid.batch.2', 'mid.batch.3']);
  });

  it('when a batch repeats a mid inside itself, then it is stored once', async () => {
    const body = fixture('f3-batch');
    body.entry[1].messaging[0].message.mid = 'mid.batch.1';
    const response = await service.webhook(body);
    expect(await response.json()).toMatchObject({ stored: 2, duplicates: 1 });
    expect(mids()).toEqual(['mid.batch.1', 'mid.batch.2']);
  });

  it('when messages arrive out of order, then the thread is sorted by message time', async () => {
    const body = fixture('f3-batch');
    const [first, second] = body.entry[0].messaging;
    body.entry[0].messaging = [second, first];
    await service.webhook(body);
    const response = await service.api('/api/conversations/6000000000000001/messages');
    const { messages } = (await response.json()) as { messages: Array<{ mid: string }> };
    expect(messages.map((m) => m.mid)).toEqual(['mid.batch.1', 'mid.batch.2']);
  });
});
