import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AddAccount } from '../../src/application/add-account.js';
import type { Clock } from '../../src/domain/clock.js';
import { TOKENS } from '../../src/tokens.js';
import { FAKE_ACCOUNT_ID, FAKE_GRAPH_TOKEN, graphError, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { metricValue } from '../support/metrics.js';
import { startTestService, type TestService } from '../support/service.js';
import { sqliteRows } from '../support/sqlite-rows.js';
import { waitFor } from '../support/wait.js';

const SHOP = FAKE_ACCOUNT_ID;
const OUTLET = '17841400000000002';
const OUTLET_TOKEN = 'outlet-access-token';
const STRANGER = '17841400000000099';
const ALICE = '6000000000000001';
const BOB = '6000000000000002';
const CAROL = '6000000000000003';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One inbound DM to `account`, as Meta delivers it (the account is `entry[].id` and the recipient). */
function dm(account: string, customer: string, mid: string, text: string, at = Date.now()): object {
  return {
    object: 'instagram',
    entry: [{ id: account, time: at, messaging: [{ sender: { id: customer }, recipient: { id: account }, timestamp: at, message: { mid, text } }] }],
  };
}

/** A clock the test moves: the service's token ages are read from it. */
function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

describe('accounts and tokens (SPEC §12)', () => {
  let graph: FakeGraph;
  let services: TestService[];
  /** Every answer the API gave, to check that none carries a token. */
  let answers: string[];

  beforeEach(async () => {
    graph = await startFakeGraph();
    graph.addAccount({ id: OUTLET, username: 'acme.outlet', token: OUTLET_TOKEN });
    services = [];
    answers = [];
  });
  afterEach(async () => {
    for (const service of services) await service.stop();
    await graph.close();
  });

  async function start(env: Record<string, string> = {}, options: Parameters<typeof startTestService>[1] = {}): Promise<TestService> {
    const service = await startTestService({ ...graph.env, LOG_LEVEL: 'debug', ...env }, options);
    services.push(service);
    return service;
  }
  async function call(service: TestService, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
    const response = await service.api(path, init);
    const text = await response.text();
    answers.push(text);
    return { status: response.status, body: JSON.parse(text) };
  }
  const send = (service: TestService, body: object) => call(service, '/api/messages', { method: 'POST', body: JSON.stringify(body) });
  async function webhook(service: TestService, body: object): Promise<void> {
    expect((await service.webhook(body)).status).toBe(200);
  }
  /** No token appears in a log line or an API answer. */
  function expectNoToken(service: TestService, ...tokens: string[]): void {
    for (const token of tokens) {
      expect(service.logs.text()).not.toContain(token);
      for (const answer of answers) expect(answer).not.toContain(token);
    }
  }

  it('when two accounts receive webhooks, then conversations are kept per account, the list filters by account_id and each send carries its account\'s token', async () => {
    // Arrange: the env account and a second one added as `npm run accounts -- add` does.
    const service = await start();
    const added = await service.container.resolve<AddAccount>(TOKENS.AddAccount).execute(OUTLET_TOKEN);
    expect(added).toMatchObject({ added: true, account: { id: OUTLET, username: 'acme.outlet', tokenState: 'ok' } });
    const now = Date.now();
    await webhook(service, dm(SHOP, ALICE, 'mid.shop.alice', 'Hi shop', now - 4000));
    await webhook(service, dm(OUTLET, BOB, 'mid.outlet.bob', 'Hi outlet', now - 3000));
    await webhook(service, dm(SHOP, CAROL, 'mid.shop.carol', 'Carol to the shop', now - 2000));
    await webhook(service, dm(OUTLET, CAROL, 'mid.outlet.carol', 'Carol to the outlet', now - 1000));

    // Usernames are looked up with the token of the account each customer writes to.
    await waitFor(() => graph.profileRequests(ALICE).length > 0 && graph.profileRequests(BOB).length > 0, 'the profile look-ups');
    expect([graph.profileRequests(ALICE)[0]!.token, graph.profileRequests(BOB)[0]!.token]).toEqual([FAKE_GRAPH_TOKEN, OUTLET_TOKEN]);

    // Act + Assert: the accounts, never a token.
    const accounts = await call(service, '/api/accounts');
    expect(accounts.body).toEqual([
      { id: SHOP, username: null, token_state: 'ok', expires_at: null, refreshed_at: null, added_at: expect.any(String), problem: null },
      { id: OUTLET, username: 'acme.outlet', token_state: 'ok', expires_at: null, refreshed_at: null, added_at: expect.any(String), problem: null },
    ]);

    // One conversation per account and customer; the filter keeps one account's.
    const all = await call(service, '/api/conversations');
    expect(all.body.conversations.map((c: any) => [c.account_id, c.user_id, c.message_count])).toEqual([
      [OUTLET, CAROL, 1], [SHOP, CAROL, 1], [OUTLET, BOB, 1], [SHOP, ALICE, 1],
    ]);
    const outlet = await call(service, `/api/conversations?account_id=${OUTLET}`);
    expect(outlet.body.conversations.map((c: any) => c.user_id)).toEqual([CAROL, BOB]);
    const carolAtOutlet = await call(service, `/api/conversations/${CAROL}/messages?account_id=${OUTLET}`);
    expect(carolAtOutlet.body.messages.map((m: any) => m.text)).toEqual(['Carol to the outlet']);
    expect((await call(service, '/api/conversations?account_id=me')).status).toBe(400);

    // Sends: the account the customer talks to, with its token.
    expect((await send(service, { recipient_id: BOB, text: 'From the outlet' })).status).toBe(201);
    expect((await send(service, { recipient_id: ALICE, text: 'From the shop' })).status).toBe(201);
    expect(graph.sends().map((r) => [r.endpoint, r.token])).toEqual([[`${OUTLET}/messages`, OUTLET_TOKEN], [`${SHOP}/messages`, FAKE_GRAPH_TOKEN]]);

    // Carol writes to both: account_id is required, and says which token goes.
    const ambiguous = await send(service, { recipient_id: CAROL, text: 'Which one?' });
    expect(ambiguous).toMatchObject({ status: 400, body: { error: { code: 'account_required', field: 'account_id', accounts: [OUTLET, SHOP] } } });
    const chosen = await send(service, { recipient_id: CAROL, account_id: OUTLET, text: 'From the outlet to Carol' });
    expect(chosen).toMatchObject({ status: 201, body: { account_id: OUTLET, user_id: CAROL } });
    expect(graph.sends().at(-1)).toMatchObject({ endpoint: `${OUTLET}/messages`, token: OUTLET_TOKEN });
    expect(await send(service, { recipient_id: CAROL, account_id: '999', text: 'x' })).toMatchObject({ status: 400, body: { error: { code: 'unknown_account' } } });
    expect(graph.sends()).toHaveLength(3);

    const ready = await call(service, '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { accounts: [{ id: SHOP, token_state: 'ok' }, { id: OUTLET, token_state: 'ok' }] } });
    expectNoToken(service, FAKE_GRAPH_TOKEN, OUTLET_TOKEN);
  });

  it('when a webhook names an account igbridge has no token for, then its messages are stored and the log names it once with how to add it', async () => {
    const service = await start();

    await webhook(service, dm(STRANGER, ALICE, 'mid.stranger.1', 'Hello?'));
    await webhook(service, dm(STRANGER, BOB, 'mid.stranger.2', 'Anyone?'));

    const list = await call(service, `/api/conversations?account_id=${STRANGER}`);
    expect(list.body.conversations.map((c: any) => [c.account_id, c.user_id])).toEqual([[STRANGER, BOB], [STRANGER, ALICE]]);
    const logged = service.logs.matching(`messages for Instagram account ${STRANGER} are stored`);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 40, account: STRANGER });
    expect(logged[0]!.msg).toContain('npm run accounts -- add --token');
    expect(await metricValue(service.url, 'igbridge_unknown_account_messages_total')).toBe(2);
    // A reply to that customer cannot go out: igbridge has no token for the account (and says how to add one).
    const refused = await send(service, { recipient_id: ALICE, text: 'Hi' });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'graph_not_configured' } } });
    expect(refused.body.error.message).toContain(STRANGER);
    expect(graph.sends()).toHaveLength(0);
  });

  it('when a token is 24 hours old, then it is refreshed, the new token and its expiry are saved together and the next send uses it', async () => {
    const clock = movableClock();
    const service = await start({}, { clock, tokenCheckMs: 50 });
    await webhook(service, dm(SHOP, ALICE, 'mid.refresh.1', 'Hi'));
    expect((await send(service, { recipient_id: ALICE, text: 'before' })).status).toBe(201);
    expect(graph.refreshRequests()).toHaveLength(0);

    clock.advance(DAY + HOUR);

    const [refresh] = await waitFor(() => (graph.refreshRequests().length > 0 ? graph.refreshRequests() : null), 'the refresh');
    expect(refresh).toMatchObject({ path: '/refresh_access_token', query: { grant_type: 'ig_refresh_token', access_token: FAKE_GRAPH_TOKEN } });
    const fresh = `${FAKE_GRAPH_TOKEN}.r1`;
    // find, not filter: an empty array is truthy, and waitFor would stop before the save.
    const row = await waitFor(() => sqliteRows<{ token: string; expires_at: number; refreshed_at: number }>(service.sqlitePath, 'SELECT token, expires_at, refreshed_at FROM accounts WHERE id = ?', SHOP).find((r) => r.token === fresh), 'the saved token');
    expect(row!.expires_at - row!.refreshed_at).toBe(5_184_000_000);
    const [account] = (await call(service, '/api/accounts')).body;
    expect(account).toMatchObject({ id: SHOP, token_state: 'ok', expires_at: new Date(row!.expires_at).toISOString() });
    const expiry = await metricValue(service.url, `igbridge_account_token_expiry_seconds{account="${SHOP}"}`);
    expect(expiry).toBeGreaterThan(5_184_000 - 60);
    expect(expiry).toBeLessThanOrEqual(5_184_000);

    expect((await send(service, { recipient_id: ALICE, text: 'after' })).status).toBe(201);

    expect(graph.sends().map((r) => r.token)).toEqual([FAKE_GRAPH_TOKEN, fresh]);
    expect(graph.refreshRequests()).toHaveLength(1); // at most every TOKEN_REFRESH_H
    expectNoToken(service, FAKE_GRAPH_TOKEN, fresh);
  });

  it('when Meta answers 190 to a send, then the account is invalid in the API, /readyz (still 200), the metrics and an error log saying what to do; a new token makes it ok', async () => {
    const service = await start();
    await webhook(service, dm(SHOP, ALICE, 'mid.invalid.1', 'Hi'));
    graph.revoke(FAKE_GRAPH_TOKEN);

    const refused = await send(service, { recipient_id: ALICE, text: 'hello' });

    expect(refused).toMatchObject({ status: 502, body: { error: { code: 'graph_error', reason: 'token_invalid' } } });
    const [account] = (await call(service, '/api/accounts')).body;
    expect(account).toMatchObject({ id: SHOP, token_state: 'invalid', problem: expect.stringContaining('npm run accounts -- add --token') });
    expect(await call(service, '/readyz')).toMatchObject({ status: 200, body: { status: 'ok', accounts: [{ id: SHOP, token_state: 'invalid' }] } });
    expect(await metricValue(service.url, `igbridge_account_token_state{account="${SHOP}",state="invalid"}`)).toBe(1);
    const errors = service.logs.lines.filter((line) => line.level === 50 && line.token_state === 'invalid');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain(`Instagram account ${SHOP}: the access token no longer works`);

    // A new token for the account (as npm run accounts -- add does): usable again, and sends carry it.
    graph.addAccount({ id: SHOP, username: 'acme.shop', token: 'shop-new-token' });
    await service.container.resolve<AddAccount>(TOKENS.AddAccount).execute('shop-new-token');
    expect((await call(service, '/api/accounts')).body[0]).toMatchObject({ token_state: 'ok', username: 'acme.shop', problem: null });
    expect((await send(service, { recipient_id: ALICE, text: 'hello again' })).status).toBe(201);
    expect(graph.sends().at(-1)!.token).toBe('shop-new-token');
    expectNoToken(service, FAKE_GRAPH_TOKEN, 'shop-new-token');
  });

  it('when the service restarts, then accounts and tokens are kept; a refreshed token is not undone by the same env value, a changed env value replaces it', async () => {
    // Arrange: two accounts, the env one refreshed since.
    const clock = movableClock();
    const first = await start({}, { clock, tokenCheckMs: 50 });
    await first.container.resolve<AddAccount>(TOKENS.AddAccount).execute(OUTLET_TOKEN);
    await webhook(first, dm(SHOP, ALICE, 'mid.restart.1', 'Hi shop'));
    await webhook(first, dm(OUTLET, BOB, 'mid.restart.2', 'Hi outlet'));
    clock.advance(DAY + HOUR);
    await waitFor(() => sqliteRows<{ token: string }>(first.sqlitePath, 'SELECT token FROM accounts WHERE token LIKE ?', '%.r%').length === 2, 'both refreshes');
    const path = first.sqlitePath;
    await first.close(2_000);
    services = services.filter((s) => s !== first);

    // Act: the same env again.
    const second = await start({ SQLITE_PATH: path });
    expect((await send(second, { recipient_id: ALICE, text: 'shop' })).status).toBe(201);
    expect((await send(second, { recipient_id: BOB, text: 'outlet' })).status).toBe(201);

    // Assert: both accounts survived with their refreshed tokens; the env one was not set back to IG_ACCESS_TOKEN.
    expect(graph.sends().map((r) => [r.endpoint, r.token])).toEqual([[`${SHOP}/messages`, `${FAKE_GRAPH_TOKEN}.r1`], [`${OUTLET}/messages`, `${OUTLET_TOKEN}.r2`]]);
    expect((await call(second, '/api/accounts')).body.map((a: any) => a.id)).toEqual([SHOP, OUTLET]);
    await second.close(2_000);
    services = services.filter((s) => s !== second);

    // A new value in IG_ACCESS_TOKEN is the operator's: it replaces the stored token.
    graph.addAccount({ id: SHOP, username: 'acme.shop', token: 'rotated-env-token' });
    const third = await start({ SQLITE_PATH: path, IG_ACCESS_TOKEN: 'rotated-env-token' });
    expect((await send(third, { recipient_id: ALICE, text: 'rotated' })).status).toBe(201);
    expect(graph.sends().at(-1)!.token).toBe('rotated-env-token');
    expect(third.logs.matching('IG_ACCESS_TOKEN changed')).toHaveLength(1);
    for (const service of [first, second, third]) expectNoToken(service, FAKE_GRAPH_TOKEN, `${FAKE_GRAPH_TOKEN}.r1`, OUTLET_TOKEN, `${OUTLET_TOKEN}.r2`, 'rotated-env-token');
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it('when a refresh is refused with 190, then the account is invalid and the log says what to do; the refresh is not retried', async () => {
    const clock = movableClock();
    graph.nextRefresh(graphError(190, { message: 'Error validating access token: The session has been invalidated.' }));
    const service = await start({}, { clock, tokenCheckMs: 50 });

    clock.advance(DAY + HOUR);

    await waitFor(() => service.logs.lines.some((l) => l.level === 50 && l.token_state === 'invalid'), 'the error log');
    const [account] = (await call(service, '/api/accounts')).body;
    expect(account).toMatchObject({ token_state: 'invalid', problem: expect.stringContaining('Meta refused to refresh it') });
    expect(await metricValue(service.url, 'igbridge_token_refreshes_total{outcome="invalid"}')).toBe(1);
    clock.advance(DAY);
    await waitFor(() => service.logs.lines.filter((l) => l.level === 50 && l.token_state === 'invalid').length >= 2, 'the daily reminder');
    expect(graph.refreshRequests()).toHaveLength(1);
    expectNoToken(service, FAKE_GRAPH_TOKEN);
  });
});
