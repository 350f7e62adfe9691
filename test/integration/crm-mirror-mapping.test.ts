import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWithGraph } from '../support/graph-service.js';
import { fixtureBytes } from '../support/fixtures.js';
import { textMessages } from '../support/instagram-events.js';
import { createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const ALICE = '6000000000000001';

describe('CRM mirror: what each message becomes in the CRM table', () => {
  let crm: CrmTestDatabase;
  let service: TestService;
  beforeEach(async () => {
    crm = await createCrmDatabase();
    service = await startTestService({ ...crm.env, CRM_RETRY_MAX_S: '0.5' });
  });
  afterEach(async () => {
    await service.stop();
    await crm.drop();
  });

  async function crmRows(count: number) {
    return waitFor(async () => {
      const rows = await crm.rows();
      return rows.length >= count ? rows : null;
    }, `${count} CRM row(s)`);
  }

  it('when inbound, echo, attachment-only and postback messages arrive, then each is one exact CRM row', async () => {
    for (const name of ['f1-text', 'f4-echo', 'f5-attachments', 'f12-postback']) {
      expect((await service.webhook(fixtureBytes(name))).status).toBe(200);
    }

    const rows = await crmRows(4);

    const byMessage = (text: string) => rows.find((row) => row.message === text);
    expect(rows).toHaveLength(4);
    expect(byMessage('Hello, do you ship to Berlin?')).toMatchObject({
      user_id: ALICE, username: ALICE, direction: 'in', created_at: new Date('2019-09-23T18:14:45.349Z'),
    });
    expect(byMessage('Yes, we ship to Berlin.')).toMatchObject({
      user_id: ALICE, username: ALICE, direction: 'out', created_at: new Date('2019-09-23T18:14:55.349Z'),
    });
    expect(byMessage('[image] https://lookaside.example/img1.jpg\n[video] https://lookaside.example/vid1.mp4')).toMatchObject({
      user_id: ALICE, direction: 'in', created_at: new Date('2019-09-23T18:14:45.349Z'),
    });
    expect(byMessage('Opening hours?')).toMatchObject({
      user_id: ALICE, direction: 'in', created_at: new Date('2017-08-16T17:52:56.377Z'),
    });
  });

  it('when emoji and CJK text arrive, then the CRM holds them byte for byte', async () => {
    const texts = ['Café ❤️', '你好，请问几点开门？', 'こんにちは 👋🏽 مرحبا', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🧑‍🤝‍🧑'];

    await service.webhook(fixtureBytes('f2-unicode-text'));
    await service.webhook(textMessages(texts.slice(1).map((text, i) => ({ mid: `mid.cjk.${i}`, text }))));

    const rows = await crmRows(4);
    expect(rows.map((row) => row.message).sort()).toEqual([...texts].sort());
  });

  it('when a message is redelivered or changed (unsend, reaction, read, edit), then the CRM still has one row', async () => {
    await service.webhook(fixtureBytes('f1-text'));
    await crmRows(1);

    for (const name of ['f1-text', 'f7-unsend', 'f11-reaction-react', 'f13-read']) await service.webhook(fixtureBytes(name));
    await waitFor(async () => ((await (await fetch(`${service.url}/readyz`)).json()) as any).crm.backlog === 0, 'an empty backlog');

    expect(await crm.rows()).toHaveLength(1);
  });

  it('when the mirror runs, then /readyz says ok and the API shows the message mirrored', async () => {
    await service.webhook(fixtureBytes('f1-text'));
    await crmRows(1);

    const ready = await waitFor(async () => {
      const body = (await (await fetch(`${service.url}/readyz`)).json()) as any;
      return body.crm.state === 'ok' && body.crm.backlog === 0 ? body : null;
    }, 'readyz ok');
    expect(ready.crm).toEqual({ state: 'ok', pending: 0, failed: 0, not_mirrored: 0, backlog: 0 });
    const thread = (await (await service.api(`/api/conversations/${ALICE}/messages`)).json()) as any;
    expect(thread.messages[0].crm).toMatchObject({ state: 'mirrored', attempts: 0, last_error: null });
    expect(service.logs.matching('CRM write ok').length).toBeGreaterThan(0);
  });

  it('when the profile look-up knows the username, then the CRM row carries it, asked once per customer in a batch', async () => {
    await service.stop();
    const withGraph = await startWithGraph({ ...crm.env, CRM_RETRY_MAX_S: '0.5' });
    const { graph } = withGraph;
    service = withGraph.service;
    graph.setProfile(ALICE, { username: 'alice.shop', name: 'Alice' });
    try {
      await service.webhook(textMessages([
        { mid: 'u.1', text: 'one' },
        { mid: 'u.2', text: 'two' },
        { mid: 'u.3', text: 'three', customer: '6000000000000002' },
      ]));

      const rows = await crmRows(3);
      expect(rows.map((row) => [row.message, row.user_id, row.username])).toEqual([
        ['one', ALICE, 'alice.shop'],
        ['two', ALICE, 'alice.shop'],
        ['three', '6000000000000002', '6000000000000002'],
      ]);
      expect(graph.profileRequests(ALICE)).toHaveLength(1);
      expect(graph.profileRequests('6000000000000002')).toHaveLength(1);
    } finally {
      await withGraph.stop();
    }
  });
});
