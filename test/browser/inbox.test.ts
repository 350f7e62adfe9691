import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simulatedPayload } from '../../src/cli/simulate/payload.js';
import type { AddAccount } from '../../src/application/add-account.js';
import { TOKENS } from '../../src/tokens.js';
import { launchChromium, type HeadlessChromium } from '../support/browser.js';
import { FAKE_ACCOUNT_ID, graphError, type FakeGraph } from '../support/fake-graph.js';
import { metricValue } from '../support/metrics.js';
import { startWithGraph, type GraphService } from '../support/graph-service.js';
import { createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';
import { TEST_API_TOKEN, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const ALICE = '6000000000000001';
const BOB = '6000000000000002';
const CAROL = '6000000000000003';
const OUTLET = '17841400000000002';
const SCREENSHOT_DIR = new URL('../../test-results/', import.meta.url);
const MINUTE = 60_000;
/** Browser-side expressions (strings: this project's TypeScript has no DOM types). */
const IMAGES_LOADED = `[...document.querySelectorAll('#messages img')].every((img) => img.complete && img.naturalWidth > 0)`;

/** One `messaging[]` item in a webhook body from the business account's entry. */
function delivery(item: object, at: number): object {
  return { object: 'instagram', entry: [{ id: FAKE_ACCOUNT_ID, time: at, messaging: [{ timestamp: at, ...item }] }] };
}

function message(customerId: string, text: string | null, at: number, options: { mid?: string; echo?: boolean; imageUrl?: string } = {}): Buffer {
  return simulatedPayload({ text, customerId, accountId: FAKE_ACCOUNT_ID, echo: options.echo ?? false, imageUrl: options.imageUrl ?? null, mid: options.mid, now: at });
}

const from = (customerId: string) => ({ sender: { id: customerId }, recipient: { id: FAKE_ACCOUNT_ID } });

async function post(service: TestService, body: Buffer | object): Promise<void> {
  const response = await service.webhook(body as Buffer);
  expect(response.status).toBe(200);
}

/** A small PNG, drawn by the browser itself, served for the attachments' CDN URLs (no network in tests). */
async function attachmentImage(page: Page): Promise<Buffer> {
  await page.setContent('<div style="width:160px;height:160px;background:linear-gradient(135deg,#f9ce34,#ee2a7b,#6228d7)"></div>');
  return page.locator('div').screenshot();
}

/**
 * A new tab on the inbox, the token given. `images`: the attachments' CDN is served by the test —
 * Playwright's routing turns the browser's HTTP cache off, so a tab that checks revalidation goes without.
 */
async function openInbox(browser: HeadlessChromium, service: TestService, { images = true } = {}): Promise<Page> {
  const page = await browser.context.newPage();
  if (images) {
    const image = await attachmentImage(page);
    await page.route('https://cdn.example/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: image }));
  }
  await page.goto(service.url);
  // First visit: the page asks for the API token once and keeps it.
  await page.getByRole('dialog', { name: 'API token' }).waitFor();
  await page.getByRole('textbox', { name: 'API token' }).fill(TEST_API_TOKEN);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#live[data-state="live"]').waitFor();
  return page;
}

function bubble(page: Page, text: string) {
  return page.locator('#messages li.message').filter({ hasText: text });
}

describe('the inbox in headless Chromium', () => {
  let browser: HeadlessChromium;
  let graph: FakeGraph;
  let crm: CrmTestDatabase | undefined;
  let service: TestService;
  let page: Page | undefined;

  let running: GraphService | undefined;

  /** The service against the fake Graph API, mirroring into a fresh CRM database unless `crmOptions` is null. */
  async function start(crmOptions: { messageColumn?: string } | null, env: Record<string, string> = {}): Promise<void> {
    crm = crmOptions ? await createCrmDatabase(crmOptions) : undefined;
    running = await startWithGraph({ ...(crm?.env ?? {}), LOG_LEVEL: 'info', ...env });
    ({ graph, service } = running);
  }

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    page = undefined;
    await running?.stop();
    running = undefined; // a test that fails before start() stops nothing twice
    await crm?.drop();
    crm = undefined;
  });

  it('when webhooks arrive and a reply is typed, then list, thread, live updates, the send and its CRM state all show', async () => {
    // Arrange: three customers' messages, delivered as Meta would, with what happens to them after.
    await start({});
    graph.setProfile(ALICE, { username: 'alice.berlin', name: 'Alice' }).setProfile(BOB, { username: 'bob_builds', name: 'Bob' });
    const now = Date.now();
    await post(service, message(CAROL, 'Hello! Are you open on Sundays?', now - 26 * 60 * MINUTE));
    await post(service, message(BOB, 'Do you have the lamp in blue?', now - 3 * 60 * MINUTE));
    await post(service, message(BOB, null, now - 3 * 60 * MINUTE + MINUTE, { imageUrl: 'https://cdn.example/bob-lamp.png' }));
    await post(service, message(ALICE, 'Hi! Do you ship to Berlin?', now - 30 * MINUTE));
    await post(service, message(ALICE, 'Yes, we ship to Berlin: 2–3 days.', now - 28 * MINUTE, { echo: true, mid: 'mid.browser.echo' }));
    await post(service, delivery({ ...from(ALICE), reaction: { mid: 'mid.browser.echo', action: 'react', reaction: 'love', emoji: '❤️' } }, now - 27 * MINUTE));
    await post(service, message(ALICE, 'Is this one still available?', now - 26 * MINUTE, { imageUrl: 'https://cdn.example/alice-chair.png' }));
    await post(service, message(ALICE, 'Great, thanks!', now - 25 * MINUTE, { mid: 'mid.browser.edited' }));
    await post(service, delivery({ ...from(ALICE), message_edit: { mid: 'mid.browser.edited', text: 'Great, thank you!', num_edit: 1 } }, now - 24 * MINUTE));
    await post(service, message(ALICE, 'oops, wrong chat', now - 23 * MINUTE, { mid: 'mid.browser.unsent' }));
    await post(service, delivery({ ...from(ALICE), message: { mid: 'mid.browser.unsent', is_deleted: true } }, now - 22 * MINUTE));
    await waitFor(async () => {
      const { conversations } = (await (await service.api('/api/conversations')).json()) as { conversations: any[] };
      return conversations.filter((c) => c.username !== c.user_id).length === 2;
    }, 'usernames looked up');

    // Act: open the inbox (Alice's conversation is the newest, so it opens first).
    page = await openInbox(browser, service);

    // Assert: the list, newest first, with usernames (or the id) and unread counts.
    const list = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button');
    await list.first().filter({ hasText: 'alice.berlin' }).waitFor();
    expect(await list.allInnerTexts()).toEqual([
      expect.stringMatching(/alice\.berlin[\s\S]*Message unsent/),
      expect.stringMatching(/bob_builds[\s\S]*Image attachment[\s\S]*2/),
      expect.stringMatching(new RegExp(`${CAROL}[\\s\\S]*Are you open on Sundays\\?[\\s\\S]*1`)),
    ]);
    expect(await list.first().getAttribute('aria-current')).toBe('true');
    await page.getByRole('heading', { name: 'alice.berlin' }).waitFor();
    expect(await page.getByRole('button', { name: 'Load older messages' }).isHidden()).toBe(true);

    // The thread: direction, text, the image as a thumbnail, the reaction, the edit and the unsend.
    await bubble(page, 'Hi! Do you ship to Berlin?').waitFor();
    expect(await bubble(page, 'Hi! Do you ship to Berlin?').getAttribute('class')).toContain('in');
    const echo = bubble(page, 'Yes, we ship to Berlin');
    expect(await echo.getAttribute('class')).toContain('out');
    expect(await echo.getByRole('img', { name: 'Reaction: ❤️' }).count()).toBe(1);
    const thumbnail = bubble(page, 'Is this one still available?').locator('img');
    expect(await thumbnail.getAttribute('src')).toBe('https://cdn.example/alice-chair.png');
    await page.waitForFunction(IMAGES_LOADED);
    expect(await bubble(page, 'Great, thank you!').locator('.meta').innerText()).toContain('edited');
    const unsent = page.locator('#messages li.message.deleted');
    expect(await unsent.innerText()).toContain('Message unsent');
    expect(await unsent.locator('.meta').innerText()).toContain('unsent');
    // Every message reached the CRM (a real MySQL): its sync state says so.
    await page.waitForFunction(`(() => {
      const states = [...document.querySelectorAll('#messages .crm')].map((el) => el.dataset.state);
      return states.length === 5 && states.every((state) => state === 'mirrored');
    })()`);

    // Live: a message that arrives while the page is open shows without a reload.
    await post(service, message(ALICE, 'Can I pay by card?', Date.now()));
    await bubble(page, 'Can I pay by card?').waitFor();

    // The composer: Enter sends through POST /api/messages to (fake) Meta; the reply shows with its CRM state.
    const composer = page.getByLabel('Reply', { exact: true });
    await composer.fill('Yes, card and PayPal both work.');
    await composer.press('Enter');
    const reply = bubble(page, 'Yes, card and PayPal both work.');
    await reply.waitFor();
    expect(graph.sends().map((request) => request.body)).toEqual([{ recipient: { id: ALICE }, message: { text: 'Yes, card and PayPal both work.' } }]);
    expect(await reply.getAttribute('class')).toContain('out');
    await reply.locator('.crm[data-state="mirrored"]').waitFor();
    expect(await reply.locator('.crm').innerText()).toBe('CRM: mirrored');
    // How each message reached igbridge: the reply was sent through the API; webhooks are unmarked.
    expect(await reply.locator('.meta [data-origin="api"]').innerText()).toBe('via API');
    expect(await bubble(page, 'Can I pay by card?').locator('.meta [data-origin]').count()).toBe(0);
    expect(await composer.inputValue()).toBe('');
    expect(await page.locator('#composer-error').isHidden()).toBe(true);
    await waitFor(async () => (await crm!.rows()).some((row) => row.message === 'Yes, card and PayPal both work.' && row.direction === 'out'), 'reply in the CRM');

    // Keyboard: arrow keys move through the list; Enter opens a conversation.
    await list.first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'bob_builds' }).waitFor();
    await bubble(page, 'Do you have the lamp in blue?').waitFor();
    await list.first().click();
    await bubble(page, 'Yes, card and PayPal both work.').waitFor();
    await page.waitForFunction(IMAGES_LOADED);

    await page.setViewportSize({ width: 1280, height: 1000 }); // the whole thread, for the README's picture
    await page.locator('#thread-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.screenshot({ path: new URL('inbox.png', SCREENSHOT_DIR).pathname });
  });

  it('when Meta refuses a reply (outside the 24-hour window), then the composer says so readably and nothing is added', async () => {
    await start(null); // the CRM mirror is off: messages wait for a backfill
    await post(service, message(ALICE, 'Hello from last week', Date.now() - 8 * 24 * 60 * MINUTE));
    graph.nextSend(graphError(10, { subcode: 2534022, fbtraceId: 'AXtraceBrowser' }));
    page = await openInbox(browser, service);
    await bubble(page, 'Hello from last week').waitFor();
    expect(await bubble(page, 'Hello from last week').locator('.crm[data-state="not_mirrored"]').innerText()).toBe('CRM: not mirrored');

    const composer = page.getByLabel('Reply', { exact: true });
    await composer.fill('Sorry for the late answer!');
    await page.getByRole('button', { name: 'Send' }).click();

    const alert = page.getByRole('alert').filter({ hasText: 'Instagram did not take this reply' });
    await alert.waitFor();
    const text = await alert.innerText();
    expect(text).toContain('24 hours');
    expect(text).toContain('Meta error 10/2534022');
    expect(text).toContain('fbtrace_id AXtraceBrowser');
    expect(graph.sends()).toHaveLength(1);
    expect(await page.locator('#messages li.message').count()).toBe(1);
    expect(await composer.inputValue()).toBe('Sorry for the late answer!'); // kept, to send again later
    await page.screenshot({ path: new URL('inbox-graph-error.png', SCREENSHOT_DIR).pathname });
  });

  it('when an image is sent by URL, then a non-https address is refused on the page, the API\'s 400 reads plainly and the image reaches Meta and the thread', async () => {
    await start(null);
    await post(service, message(ALICE, 'Can you show me the blue one?', Date.now() - MINUTE));
    page = await openInbox(browser, service);
    await bubble(page, 'Can you show me the blue one?').waitFor();

    // Keyboard: the disclosure opens with Enter and the address field is labelled.
    await page.getByText('Send an image by URL').focus();
    await page.keyboard.press('Enter');
    const field = page.getByRole('textbox', { name: 'Image URL' });
    await field.waitFor();
    const alert = page.locator('#image-error');

    // Client-side check: not https → said on the page, nothing sent.
    await field.fill('http://cdn.example/blue-lamp.png');
    await field.press('Enter');
    await alert.filter({ hasText: 'must start with https://' }).waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await field.getAttribute('aria-invalid')).toBe('true');

    // The API's 400 (an address over 2048 characters), in words: Meta is not called.
    await field.fill(`https://cdn.example/${'a'.repeat(2100)}.png`);
    await field.press('Enter');
    await alert.filter({ hasText: 'The image was not sent: the image URL must be at most 2048 characters' }).waitFor();
    expect(graph.sends()).toHaveLength(0);

    // A good address: sent to (fake) Meta as an image attachment, shown as a thumbnail in the thread.
    await field.fill('https://cdn.example/blue-lamp.png');
    await page.getByRole('button', { name: 'Send image' }).click();
    const thumbnail = page.locator('#messages li.message.out img[src="https://cdn.example/blue-lamp.png"]');
    await thumbnail.waitFor();
    expect(graph.sends().map((request) => request.body)).toEqual([
      { recipient: { id: ALICE }, message: { attachment: { type: 'image', payload: { url: 'https://cdn.example/blue-lamp.png' } } } },
    ]);
    await page.waitForFunction(IMAGES_LOADED);
    expect(await alert.isHidden()).toBe(true);
    expect(await field.inputValue()).toBe('');
    expect(await field.getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button').first().filter({ hasText: 'You: Image attachment' }).waitFor();
    await page.screenshot({ path: new URL('inbox-image.png', SCREENSHOT_DIR).pathname });
  });

  it('when the CRM rejects a message, then it shows as failed with the CRM error on hover and focus', async () => {
    await start({ messageColumn: 'VARCHAR(20)' }, { CRM_MAX_ATTEMPTS: '1', CRM_RETRY_MAX_S: '0.3' });
    const now = Date.now();
    await post(service, message(ALICE, 'Short one', now - 2 * MINUTE));
    await post(service, message(ALICE, 'This text is far too long for the CRM column', now - MINUTE));
    page = await openInbox(browser, service);

    const failed = bubble(page, 'far too long').locator('.crm[data-state="failed"]');
    await failed.waitFor();
    expect(await failed.innerText()).toBe('CRM: failed');
    expect(await failed.getAttribute('title')).toMatch(/^The CRM refused this message \(1 attempt\): .*Data too long/);
    expect(await failed.getAttribute('tabindex')).toBe('0');
    expect(await failed.getAttribute('aria-label')).toContain('Data too long');
    await bubble(page, 'Short one').locator('.crm[data-state="mirrored"]').waitFor();
  });

  it('when a thread is longer than a page, then older messages load on request and stay through live updates', async () => {
    await start(null);
    const now = Date.now();
    const items = Array.from({ length: 60 }, (_, i) => ({
      ...from(ALICE),
      timestamp: now - (60 - i) * MINUTE,
      message: { mid: `mid.page.${i}`, text: `Message number ${i}` },
    }));
    await post(service, { object: 'instagram', entry: [{ id: FAKE_ACCOUNT_ID, time: now, messaging: items }] });
    page = await openInbox(browser, service);
    await bubble(page, 'Message number 59').waitFor();
    const rows = page.locator('#messages li.message');
    expect(await rows.count()).toBe(50);

    await page.getByRole('button', { name: 'Load older messages' }).click();
    await bubble(page, 'Message number 0').waitFor();
    expect(await rows.count()).toBe(60);
    expect(await page.getByRole('button', { name: 'Load older messages' }).isHidden()).toBe(true);

    await post(service, message(ALICE, 'One more', Date.now()));
    await bubble(page, 'One more').waitFor();
    expect(await rows.count()).toBe(61);
    expect(await rows.first().innerText()).toContain('Message number 0');
  });

  it('when there are more conversations than a page, then older ones load on request and stay through live updates', async () => {
    await start(null);
    const now = Date.now();
    const customer = (i: number) => `61000000000${String(i).padStart(5, '0')}`;
    // 203 customers in one delivery: customer 0 wrote last (the newest), customer 202 first.
    const items = Array.from({ length: 203 }, (_, i) => ({
      ...from(customer(i)),
      timestamp: now - (i + 1) * MINUTE,
      message: { mid: `mid.list.${i}`, text: `Hello from customer ${i}` },
    }));
    await post(service, { object: 'instagram', entry: [{ id: FAKE_ACCOUNT_ID, time: now, messaging: items }] });
    page = await openInbox(browser, service);
    const nav = page.getByRole('navigation', { name: 'Conversations' });
    const rows = nav.locator('button.conversation');
    const older = nav.getByRole('button', { name: 'Load older conversations' });
    const listedIds = () => page!.evaluate(`[...document.querySelectorAll('#conversation-list button.conversation')].map((b) => b.dataset.userId)`) as Promise<string[]>;

    // The first page: the newest 200, with the button at the end of the list.
    await older.waitFor();
    expect(await rows.count()).toBe(200);
    expect(await rows.last().innerText()).toContain(customer(199));

    // The button appends the next page; the last page has no button. Focus moves to the first new row.
    await older.click();
    await rows.filter({ hasText: customer(202) }).waitFor();
    expect(await listedIds()).toEqual(Array.from({ length: 203 }, (_, i) => customer(i)));
    expect(await older.isHidden()).toBe(true);
    expect(await page.evaluate(`document.activeElement.dataset.userId`)).toBe(customer(200));

    // Live updates: a customer from the older page writes again (moves to the top, listed once)
    // and a new customer writes; the rest of the older page stays.
    await post(service, message(customer(201), 'Back again', Date.now() - 1000));
    await post(service, message(CAROL, 'First time here', Date.now()));
    await rows.first().filter({ hasText: 'First time here' }).waitFor();
    const ids = await listedIds();
    expect(ids).toHaveLength(204);
    expect(new Set(ids).size).toBe(204);
    expect(ids.slice(0, 3)).toEqual([CAROL, customer(201), customer(0)]);
    expect(ids.slice(-3)).toEqual([customer(199), customer(200), customer(202)]);
    expect(await older.isHidden()).toBe(true);
  });

  it('when customers write tricky texts, then each list preview is exactly the text its thread shows, also when a thread is opened again from the browser\'s cache', async () => {
    await start(null);
    const texts = [
      'iPhone 15 in stock?',
      '[urgent] please call me',
      'eBay link: [image] https://example.com/x',
      '🎉🎉 party tonight? 👍🏽',
      'مرحبا، هل المتجر مفتوح اليوم؟',
      'é'.repeat(500), // 1,000 bytes
    ];
    const now = Date.now();
    for (const [i, text] of texts.entries()) await post(service, message(`62000000000000${10 + i}`, text, now - (i + 1) * MINUTE));
    page = await openInbox(browser, service, { images: false });
    const rows = page.locator('#conversation-list button.conversation');
    await rows.nth(texts.length - 1).waitFor();

    const previews = await rows.locator('.last').evaluateAll((spans) => spans.map((span) => span.textContent));
    expect(previews).toEqual(texts);
    for (const [i, text] of texts.entries()) {
      await rows.nth(i).click();
      const shown = page.locator('#messages li.message .bubble');
      await page.getByRole('heading', { name: `62000000000000${10 + i}` }).waitFor();
      await shown.first().waitFor();
      // The bubble holds a visually hidden "Customer: " and then the text as written.
      expect(await shown.evaluateAll((bubbles) => bubbles.map((b) => b.lastChild!.textContent))).toEqual([text]);
    }

    // Opened again, an unchanged thread is revalidated by the browser's own HTTP cache (its ETag):
    // the service answers 304 and the page shows the copy the browser kept.
    const revalidated = () => metricValue(service.url, 'igbridge_read_cache_total{outcome="not_modified"}');
    const before = await revalidated();
    await rows.nth(0).click();
    await page.getByRole('heading', { name: '6200000000000010' }).waitFor();
    await waitFor(async () => (await revalidated()) > before, 'a thread page answered 304');
    await page.locator('#messages li.message .bubble').first().waitFor();
    expect(await page.locator('#messages li.message .bubble').evaluateAll((bubbles) => bubbles.map((b) => b.lastChild!.textContent))).toEqual([texts[0]]);
  });

  it('when IG_ACCESS_TOKEN is not set, then a reply is refused as "not configured", not as something Instagram did', async () => {
    await start(null, { IG_ACCESS_TOKEN: '' });
    await post(service, message(ALICE, 'Hello?', Date.now()));
    page = await openInbox(browser, service);
    const composer = page.getByLabel('Reply', { exact: true });
    await composer.fill('Hi there');
    await composer.press('Enter');
    const alert = page.locator('#composer-error');
    await alert.filter({ hasText: 'not configured' }).waitFor();
    expect(await alert.innerText()).toContain('IG_ACCESS_TOKEN');
    expect(await alert.innerText()).not.toContain('Instagram did not take');
    expect(graph.sends()).toHaveLength(0);
  });

  it('when an image cannot be loaded, then a neutral placeholder links to its address', async () => {
    await start(null);
    await post(service, message(ALICE, null, Date.now(), { imageUrl: 'https://cdn.example/gone.png' }));
    page = await browser.context.newPage();
    await page.route('https://cdn.example/**', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(service.url);
    await page.getByRole('textbox', { name: 'API token' }).fill(TEST_API_TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();

    const placeholder = page.locator('#messages .image-missing');
    await placeholder.waitFor();
    expect(await placeholder.innerText()).toContain('Image unavailable');
    expect(await placeholder.evaluate((el) => el.closest('a')!.getAttribute('href'))).toBe('https://cdn.example/gone.png');
    expect(await page.locator('#messages img').count()).toBe(0);
  });

  it('when the screen is 390 px wide and the image form is open, then the thread keeps most of the height and nothing overflows sideways', async () => {
    await start(null);
    const now = Date.now();
    for (let i = 0; i < 6; i++) await post(service, message(ALICE, `Question number ${i}: do you have this in another colour?`, now - (6 - i) * MINUTE));
    page = await openInbox(browser, service);
    await page.setViewportSize({ width: 390, height: 844 });
    await bubble(page, 'Question number 5').waitFor();
    await page.getByText('Send an image by URL').click();
    await page.getByRole('textbox', { name: 'Image URL' }).waitFor();

    const thread = await page.locator('#thread-scroll').boundingBox();
    expect(thread!.height).toBeGreaterThanOrEqual(300); // several messages, not one line
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // The reply box and the image form stay reachable.
    await page.getByRole('textbox', { name: 'Image URL' }).scrollIntoViewIfNeeded();
    expect(await page.getByRole('textbox', { name: 'Image URL' }).isVisible()).toBe(true);
    await page.screenshot({ path: new URL('inbox-390.png', SCREENSHOT_DIR).pathname, fullPage: true });
  });

  it('when the stored token is refused, then the page asks again and works with the new one', async () => {
    await start(null);
    page = await browser.context.newPage();
    await page.goto(service.url);
    await page.evaluate(`localStorage.setItem('igbridge.apiToken', 'stale-token')`);
    await page.reload();
    await page.getByText('The service refused this token').waitFor();
    await page.getByRole('textbox', { name: 'API token' }).fill(TEST_API_TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('No conversations yet').waitFor();
    expect(await page.evaluate(`localStorage.getItem('igbridge.apiToken')`)).toBe(TEST_API_TOKEN);
  });
  it('when two accounts receive messages, then the switcher shows one or all, each conversation names its account, a reply goes with its account\'s token, and a refused token shows the banner', async () => {
    // Arrange: the env account (acme.shop, named by GET /me) and a second one added as `npm run accounts -- add` does.
    await start(null, { IG_ACCOUNT_ID: 'me' });
    graph.addAccount({ id: OUTLET, username: 'acme.outlet', token: 'outlet-token' });
    await service.container.resolve<AddAccount>(TOKENS.AddAccount).execute('outlet-token');
    const now = Date.now();
    await post(service, message(ALICE, 'Hello shop!', now - 10 * MINUTE));
    await post(service, simulatedPayload({ text: 'Hello outlet!', customerId: BOB, accountId: OUTLET, echo: false, imageUrl: null, now: now - 5 * MINUTE }));

    // Act: open the inbox.
    page = await openInbox(browser, service);

    // Assert: both conversations, each naming its account; the switcher keeps one account's.
    const list = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button');
    await list.filter({ hasText: 'Hello shop!' }).waitFor();
    expect(await list.allInnerTexts()).toEqual([
      expect.stringMatching(/Hello outlet![\s\S]*to @acme\.outlet/),
      expect.stringMatching(/Hello shop![\s\S]*to @acme\.shop/),
    ]);
    const switcher = page.getByRole('combobox', { name: 'Account' });
    expect(await switcher.locator('option').allInnerTexts()).toEqual(['All accounts', '@acme.shop', '@acme.outlet']);
    await switcher.selectOption(OUTLET);
    await waitFor(async () => {
      const shown = await list.allInnerTexts();
      return shown.length === 1 && shown[0]!.includes('Hello outlet!');
    }, "only the outlet's conversation");

    // A reply in the outlet's conversation goes from the outlet, with the outlet's token.
    await list.first().click();
    await page.getByText('with @acme.outlet').waitFor();
    const composer = page.getByLabel('Reply', { exact: true });
    await composer.fill('Hi from the outlet');
    await composer.press('Enter');
    await bubble(page, 'Hi from the outlet').waitFor();
    expect(graph.sends().map((r) => [r.endpoint, r.token])).toEqual([[`${OUTLET}/messages`, 'outlet-token']]);
    expect(await page.locator('#account-banner').isHidden()).toBe(true);

    // Meta stops accepting the outlet's token: the next reply is refused (190) and the banner says what to do.
    graph.revoke('outlet-token');
    await composer.fill('Are you still there?');
    await composer.press('Enter');
    const banner = page.getByRole('alert').filter({ hasText: 'Access token not working' });
    await banner.waitFor();
    const text = await banner.innerText();
    expect(text).toContain('@acme.outlet');
    expect(text).toContain('npm run accounts -- add --token');
    expect(text).not.toContain('outlet-token');
    expect(await page.locator('#composer-error').innerText()).toContain('Instagram did not take this reply');
    await page.screenshot({ path: new URL('inbox-accounts.png', SCREENSHOT_DIR).pathname });
  });
});
