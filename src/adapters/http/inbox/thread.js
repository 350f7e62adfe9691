// The open conversation (a customer with one account): its messages (newest page, older on
// request), each with its CRM state.
import { accountLabel, severalAccounts } from './accounts.js';
import { api } from './api.js';
import { els, fullFormat, h, hideAlert, hideError, safeUrl } from './dom.js';
import { state } from './state.js';

const PAGE = 50;

/** Opens `userId`'s thread with `accountId`; the list marks it (list.js), the reply box is cleared for it. */
export async function select(userId, accountId, { focus }) {
  state.selected = userId;
  state.selectedAccount = accountId;
  state.messages = [];
  state.nextBefore = null;
  rendered.clear();
  els.messages.replaceChildren();
  history.replaceState(null, '', `#${encodeURIComponent(`${accountId}/${userId}`)}`);
  hideError();
  hideAlert(els.imageError);
  els.imageUrl.removeAttribute('aria-invalid');
  for (const el of [els.text, els.send, els.imageUrl, els.imageSend]) el.disabled = false;
  renderThreadHead();
  await loadThread({ stickToBottom: true });
  if (focus) els.text.focus();
}

export function renderThreadHead() {
  const c = state.conversations.find((x) => x.user_id === state.selected && x.account_id === state.selectedAccount);
  els.title.textContent = c ? c.username || c.user_id : state.selected ?? 'Select a conversation';
  const account = c && severalAccounts() ? ` · with ${accountLabel(c.account_id)}` : '';
  els.sub.textContent = c ? `IGSID ${c.user_id} · ${c.message_count} message${c.message_count === 1 ? '' : 's'}${account}` : '';
}

/** The open thread's messages (with its account only). */
const threadPath = (userId, accountId, extra = '') =>
  `/api/conversations/${encodeURIComponent(userId)}/messages?limit=${PAGE}&account_id=${encodeURIComponent(accountId)}${extra}`;

export async function loadThread({ stickToBottom }) {
  const userId = state.selected;
  const accountId = state.selectedAccount;
  if (!userId) return;
  const atBottom = els.scroll.scrollHeight - els.scroll.scrollTop - els.scroll.clientHeight < 40;
  const page = await api(threadPath(userId, accountId));
  if (userId !== state.selected || accountId !== state.selectedAccount) return;
  // The newest page replaces what it covers; older pages loaded before are kept.
  const fresh = new Set(page.messages.map((m) => m.mid));
  const oldest = page.messages[0]?.timestamp_ms ?? Infinity;
  const older = page.next_before ? state.messages.filter((m) => !fresh.has(m.mid) && m.timestamp_ms <= oldest) : [];
  state.messages = [...older, ...page.messages];
  state.nextBefore = older.length > 0 ? state.nextBefore : page.next_before;
  renderMessages();
  if (stickToBottom || atBottom) els.scroll.scrollTop = els.scroll.scrollHeight;
  schedulePendingRefresh();
}

els.older.addEventListener('click', async () => {
  const userId = state.selected;
  const accountId = state.selectedAccount;
  const height = els.scroll.scrollHeight;
  const page = await api(threadPath(userId, accountId, `&before=${encodeURIComponent(state.nextBefore)}`));
  if (userId !== state.selected || accountId !== state.selectedAccount) return;
  state.messages = [...page.messages, ...state.messages];
  state.nextBefore = page.next_before;
  renderMessages();
  els.scroll.scrollTop = els.scroll.scrollHeight - height;
});

const CRM_LABELS = {
  mirrored: 'CRM: mirrored',
  pending: 'CRM: pending',
  updating: 'CRM: update pending',
  failed: 'CRM: failed',
  not_mirrored: 'CRM: not mirrored',
};

/**
 * Updates the thread in place: a message whose JSON did not change keeps its element, so a
 * refresh announces only what is new or changed to screen readers (the list is a live log)
 * and keeps focus and text selection.
 */
const rendered = new Map(); // mid → { json, el }
function renderMessages() {
  els.older.hidden = !state.nextBefore;
  const wanted = state.messages.map((m) => {
    const json = JSON.stringify(m);
    const known = rendered.get(m.mid);
    if (known && known.json === json) return known.el;
    const el = renderMessage(m);
    known?.el.replaceWith(el);
    rendered.set(m.mid, { json, el });
    return el;
  });
  const keep = new Set(wanted);
  for (const [mid, { el }] of rendered) {
    if (!keep.has(el)) {
      el.remove();
      rendered.delete(mid);
    }
  }
  wanted.forEach((el, index) => {
    if (els.messages.children[index] !== el) els.messages.insertBefore(el, els.messages.children[index] ?? null);
  });
}

/** The state shown: a mirrored message edited or unsent since waits for its CRM row to follow. */
function crmShown(crm) {
  return crm.state === 'mirrored' && crm.change_pending ? 'updating' : crm.state;
}

function crmTitle(crm) {
  if (crmShown(crm) === 'updating') return 'Copied to the CRM; its edit or unsend goes next (with a mid column in the CRM table; otherwise it stays here)';
  if (crm.state === 'failed') {
    return `The CRM refused this message${crm.attempts ? ` (${crm.attempts} attempt${crm.attempts === 1 ? '' : 's'})` : ''}: ${crm.last_error ?? 'no detail'}`;
  }
  if (crm.state === 'mirrored' && crm.mirrored_at) return `Copied to the CRM ${fullFormat.format(new Date(crm.mirrored_at))}`;
  if (crm.state === 'pending') return 'Waiting for the CRM; retried until it answers';
  if (crm.state === 'not_mirrored') return 'The CRM mirror was off when this arrived (npm run crm:backfill sends it)';
  return '';
}

function renderMessage(m) {
  const crm = m.crm ?? { state: 'not_mirrored' };
  const title = crmTitle(crm);
  const shown = crmShown(crm);
  const context = m.reply_to
    ? h('span', { class: 'context' }, m.reply_to.story_id || m.reply_to.story_url ? '↩ Replied to your story' : '↩ Replied to a message')
    : null;
  // An unsent message's content is not shown again: the customer took it back.
  const body = m.deleted ? h('span', {}, 'Message unsent') : m.text ?? '';
  const attachments = m.attachments?.length && !m.deleted
    ? h('span', { class: 'attachments' }, m.attachments.map(renderAttachment))
    : null;
  const reaction = m.reaction
    ? h('span', { class: 'reaction', role: 'img', 'aria-label': `Reaction: ${m.reaction.emoji || m.reaction.reaction}` }, m.reaction.emoji || (m.reaction.reaction === 'love' ? '❤️' : m.reaction.reaction))
    : null;
  const who = m.direction === 'out' ? 'You' : 'Customer';
  return h('li', { class: `message ${m.direction === 'out' ? 'out' : 'in'}${m.deleted ? ' deleted' : ''}`, dataset: { mid: m.mid } },
    h('div', { class: 'bubble' }, h('span', { class: 'visually-hidden' }, `${who}: `), context, body, attachments, reaction),
    h('div', { class: 'meta' },
      h('span', {}, m.direction === 'out' ? 'Sent' : 'Received'),
      h('time', { datetime: m.timestamp }, fullFormat.format(new Date(m.timestamp))),
      m.deleted ? h('span', { class: 'mark' }, 'unsent') : null,
      m.edited ? h('span', { class: 'mark', title: m.edited_at ? `Edited ${fullFormat.format(new Date(m.edited_at))}` : '' }, 'edited') : null,
      m.payload ? h('span', { class: 'mark', title: `Payload ${m.payload}` }, 'button reply') : null,
      m.direction === 'out' && m.read_at ? h('span', {}, 'Seen') : null,
      ORIGIN_LABELS[m.origin] ? h('span', { class: 'mark', dataset: { origin: m.origin }, title: ORIGIN_LABELS[m.origin].title }, ORIGIN_LABELS[m.origin].label) : null,
      h('span', { class: 'crm', dataset: { state: shown }, title, tabindex: crm.state === 'failed' ? '0' : null, 'aria-label': title ? `${CRM_LABELS[shown]}. ${title}` : null }, CRM_LABELS[shown] ?? `CRM: ${shown}`),
    ),
  );
}

/** How a message reached igbridge, when not by webhook (the usual way, left unmarked). */
const ORIGIN_LABELS = {
  api: { label: 'via API', title: 'Sent through igbridge (POST /api/messages)' },
  history: { label: 'via history', title: "Recovered from Meta's Conversations API: no webhook delivered it" },
};

function renderAttachment(a) {
  const url = safeUrl(a.url);
  const label = `${a.type.replace(/_/g, ' ')} attachment`;
  if (!url) return h('span', {}, `[${label}]`);
  if (a.type === 'image' || a.type === 'sticker' || a.type === 'animated_image') {
    // An image that cannot be loaded (expired CDN link, offline) becomes a neutral placeholder
    // that still links to its address.
    const missing = () => h('span', { class: 'image-missing' }, h('span', {}, 'Image unavailable'), h('span', { class: 'url' }, url));
    return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' },
      h('img', {
        src: url, alt: `Image from the conversation (${a.type})`, loading: 'lazy', decoding: 'async', width: 160, height: 160,
        onerror: (event) => event.target.replaceWith(missing()),
      }));
  }
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, `Open ${label}`);
}

// While a message in the open thread waits for the CRM, re-read the thread now and then:
// its sync state changes in the background, without a store event.
let pendingTimer = null;
function schedulePendingRefresh() {
  clearTimeout(pendingTimer);
  if (state.messages.some((m) => m.crm?.state === 'pending' || m.crm?.change_pending)) {
    pendingTimer = setTimeout(() => loadThread({ stickToBottom: false }).catch(() => {}), 3000);
  }
}
