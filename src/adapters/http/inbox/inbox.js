// igbridge inbox: plain browser JavaScript, no build step. Reads and sends through the
// service's own API with the bearer token kept in localStorage; live updates come from the
// server-sent event stream GET /api/events, read with fetch so the token stays in a header.

const TOKEN_KEY = 'igbridge.apiToken';
const MAX_TEXT_BYTES = 1000;
const PAGE = 50;
/** Conversations per page: the API's largest. */
const CONVERSATION_PAGE = 200;

const $ = (id) => document.getElementById(id);
const els = {
  live: $('live'),
  list: $('conversation-list'),
  listEmpty: $('conversations-empty'),
  olderConversations: $('load-older-conversations'),
  title: $('thread-title'),
  sub: $('thread-sub'),
  scroll: $('thread-scroll'),
  messages: $('messages'),
  older: $('load-older'),
  composer: $('composer'),
  text: $('composer-text'),
  send: $('composer-send'),
  count: $('composer-count'),
  error: $('composer-error'),
  imageForm: $('image-form'),
  imageUrl: $('image-url'),
  imageSend: $('image-send'),
  imageError: $('image-error'),
  dialog: $('token-dialog'),
  tokenForm: $('token-form'),
  tokenInput: $('token-input'),
  tokenError: $('token-error'),
  changeToken: $('change-token'),
};

const state = {
  conversations: [],
  conversationsBefore: null,
  selected: null,
  messages: [],
  nextBefore: null,
  sending: false,
};

/** Builds an element: h('p', {class: 'x'}, 'text', child). Text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const safeUrl = (url) => (typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null);
const bytes = (text) => new TextEncoder().encode(text).length;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
function shortTime(iso) {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateFormat.format(date);
}

// --- token and API --------------------------------------------------------------------------

const token = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (value) => localStorage.setItem(TOKEN_KEY, value),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

let askingToken = null;
/** Opens the token dialog (once, however many calls need it) and resolves when a token is saved. */
function askToken(problem) {
  els.tokenError.hidden = !problem;
  els.tokenError.textContent = problem ?? '';
  if (!els.dialog.open) {
    els.tokenInput.value = '';
    els.dialog.showModal();
    els.tokenInput.focus();
  }
  askingToken ??= new Promise((resolve) => {
    els.tokenForm.addEventListener('submit', function onSubmit(event) {
      const value = els.tokenInput.value.trim();
      if (!value) {
        event.preventDefault();
        return;
      }
      els.tokenForm.removeEventListener('submit', onSubmit);
      token.set(value);
      askingToken = null;
      resolve(value);
    });
  });
  return askingToken;
}

async function api(path, init = {}) {
  let bearer = token.get() ?? (await askToken());
  for (;;) {
    const response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', authorization: `Bearer ${bearer}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
    const body = await response.json().catch(() => null);
    if (response.status === 401 && body?.error?.code !== 'api_token_not_configured') {
      token.clear();
      bearer = await askToken('The service refused this token. Check API_TOKEN in its .env.');
      restartLive();
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }
}

// --- conversation list ----------------------------------------------------------------------

async function loadConversations() {
  const page = await api(`/api/conversations?limit=${CONVERSATION_PAGE}`);
  const { conversations } = page;
  // The newest page replaces what it covers; older pages loaded before are kept. A conversation
  // that moved up with a new message is in the newest page, so it is listed once.
  const fresh = new Set(conversations.map((c) => c.user_id));
  const oldest = conversations.at(-1)?.last_message_at_ms ?? Infinity;
  const older = page.next_before
    ? state.conversations.filter((c) => !fresh.has(c.user_id) && c.last_message_at_ms <= oldest)
    : [];
  state.conversations = [...conversations, ...older];
  state.conversationsBefore = older.length > 0 ? state.conversationsBefore : page.next_before;
  renderConversations();
  if (!state.selected) {
    const wanted = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
    const first = conversations.find((c) => c.user_id === wanted) ?? conversations[0];
    if (first) await select(first.user_id, { focus: false });
  } else {
    renderThreadHead();
  }
}

/** The list's one-line preview: `[image] https://…` (how the service writes attachments) reads "Image attachment". */
function preview(text) {
  const readable = (text || '').replace(/\[(\w+)\](?: \S+)?/g, (_, type) => `${type.replace(/_/g, ' ')} attachment`).replace(/\s+/g, ' ').trim();
  return readable ? readable[0].toUpperCase() + readable.slice(1) : 'Attachment';
}

function renderConversations() {
  els.listEmpty.hidden = state.conversations.length > 0;
  els.olderConversations.hidden = !state.conversationsBefore;
  const focusedId = document.activeElement?.dataset?.userId;
  els.list.replaceChildren(
    ...state.conversations.map((c) => {
      const last = c.last_message.deleted ? 'Message unsent' : (c.last_message.direction === 'out' ? 'You: ' : '') + preview(c.last_message.text);
      const unread = c.unread_count > 0 ? h('span', { class: 'unread', 'aria-label': `${c.unread_count} unread` }, c.unread_count) : h('span');
      return h('li', {},
        h('button', {
          type: 'button',
          class: 'conversation',
          dataset: { userId: c.user_id },
          'aria-current': c.user_id === state.selected ? 'true' : 'false',
          onclick: () => select(c.user_id, { focus: false }),
        },
        h('span', { class: 'who' }, c.username || c.user_id),
        h('time', { datetime: c.last_message_at, title: fullFormat.format(new Date(c.last_message_at)) }, shortTime(c.last_message_at)),
        h('span', { class: 'last' }, last),
        unread));
    }),
  );
  if (focusedId) els.list.querySelector(`[data-user-id="${CSS.escape(focusedId)}"]`)?.focus();
}

els.olderConversations.addEventListener('click', async () => {
  const before = state.conversationsBefore;
  if (!before || els.olderConversations.disabled) return;
  els.olderConversations.disabled = true;
  els.olderConversations.setAttribute('aria-busy', 'true');
  try {
    const page = await api(`/api/conversations?limit=${CONVERSATION_PAGE}&before=${encodeURIComponent(before)}`);
    if (state.conversationsBefore !== before) return; // already loaded
    const known = new Set(state.conversations.map((c) => c.user_id));
    const added = page.conversations.filter((c) => !known.has(c.user_id));
    state.conversations = [...state.conversations, ...added];
    state.conversationsBefore = page.next_before;
    renderConversations();
    // Keyboard users go on from the first conversation that appeared (the button may be gone).
    if (added[0]) els.list.querySelector(`[data-user-id="${CSS.escape(added[0].user_id)}"]`)?.focus();
  } catch (error) {
    showError(`Could not load older conversations: ${error.message}`);
  } finally {
    els.olderConversations.disabled = false;
    els.olderConversations.removeAttribute('aria-busy');
  }
});

// Arrow keys move through the list; Enter/Space (native button) opens the conversation.
els.list.addEventListener('keydown', (event) => {
  if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
  const buttons = [...els.list.querySelectorAll('button.conversation')];
  const index = buttons.indexOf(document.activeElement);
  const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
  buttons[Math.max(0, Math.min(buttons.length - 1, next))]?.focus();
  event.preventDefault();
});

// --- thread ---------------------------------------------------------------------------------

async function select(userId, { focus }) {
  state.selected = userId;
  state.messages = [];
  state.nextBefore = null;
  rendered.clear();
  els.messages.replaceChildren();
  history.replaceState(null, '', `#${encodeURIComponent(userId)}`);
  hideError();
  hideImageError();
  for (const el of [els.text, els.send, els.imageUrl, els.imageSend]) el.disabled = false;
  renderConversations();
  renderThreadHead();
  await loadThread({ stickToBottom: true });
  if (focus) els.text.focus();
}

function renderThreadHead() {
  const c = state.conversations.find((x) => x.user_id === state.selected);
  els.title.textContent = c ? c.username || c.user_id : state.selected ?? 'Select a conversation';
  els.sub.textContent = c ? `IGSID ${c.user_id} · ${c.message_count} message${c.message_count === 1 ? '' : 's'}` : '';
}

async function loadThread({ stickToBottom }) {
  const userId = state.selected;
  if (!userId) return;
  const atBottom = els.scroll.scrollHeight - els.scroll.scrollTop - els.scroll.clientHeight < 40;
  const page = await api(`/api/conversations/${encodeURIComponent(userId)}/messages?limit=${PAGE}`);
  if (userId !== state.selected) return;
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
  const height = els.scroll.scrollHeight;
  const page = await api(`/api/conversations/${encodeURIComponent(userId)}/messages?limit=${PAGE}&before=${encodeURIComponent(state.nextBefore)}`);
  if (userId !== state.selected) return;
  state.messages = [...page.messages, ...state.messages];
  state.nextBefore = page.next_before;
  renderMessages();
  els.scroll.scrollTop = els.scroll.scrollHeight - height;
});

const CRM_LABELS = {
  mirrored: 'CRM: mirrored',
  pending: 'CRM: pending',
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

function renderMessage(m) {
  const crm = m.crm ?? { state: 'not_mirrored' };
  const crmTitle = crm.state === 'failed'
    ? `The CRM refused this message${crm.attempts ? ` (${crm.attempts} attempt${crm.attempts === 1 ? '' : 's'})` : ''}: ${crm.last_error ?? 'no detail'}`
    : crm.state === 'mirrored' && crm.mirrored_at ? `Copied to the CRM ${fullFormat.format(new Date(crm.mirrored_at))}`
    : crm.state === 'pending' ? 'Waiting for the CRM; retried until it answers'
    : crm.state === 'not_mirrored' ? 'The CRM mirror was off when this arrived (npm run crm:backfill sends it)' : '';
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
      h('span', { class: 'crm', dataset: { state: crm.state }, title: crmTitle, tabindex: crm.state === 'failed' ? '0' : null, 'aria-label': crmTitle ? `${CRM_LABELS[crm.state]}. ${crmTitle}` : null }, CRM_LABELS[crm.state] ?? `CRM: ${crm.state}`),
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
    return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' },
      h('img', { src: url, alt: `Image from the conversation (${a.type})`, loading: 'lazy', decoding: 'async', width: 160, height: 160 }));
  }
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, `Open ${label}`);
}

// While a message in the open thread waits for the CRM, re-read the thread now and then:
// its sync state changes in the background, without a store event.
let pendingTimer = null;
function schedulePendingRefresh() {
  clearTimeout(pendingTimer);
  if (state.messages.some((m) => m.crm?.state === 'pending')) {
    pendingTimer = setTimeout(() => loadThread({ stickToBottom: false }).catch(() => {}), 3000);
  }
}

// --- composer -------------------------------------------------------------------------------

function updateCount() {
  const n = bytes(els.text.value);
  els.count.textContent = `${n} / ${MAX_TEXT_BYTES} bytes`;
  els.count.classList.toggle('over', n > MAX_TEXT_BYTES);
}
els.text.addEventListener('input', updateCount);
els.text.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    els.composer.requestSubmit();
  }
});

function hideError() {
  els.error.hidden = true;
  els.error.replaceChildren();
}

function showError(message, detail) {
  els.error.replaceChildren(message, detail ? h('small', {}, detail) : '');
  els.error.hidden = false;
}

/** Meta's Send API error, said so that the person at the keyboard knows what to do. */
function explainSendError(error, what = 'reply') {
  const The = `The ${what}`;
  if (error instanceof TypeError) return [`${The} was not sent: the service did not answer. Is igbridge running?`, null];
  const e = error.body?.error ?? {};
  const g = e.graph ?? null;
  const detail = g
    ? [g.code !== null && g.code !== undefined ? `Meta error ${g.code}${g.error_subcode ? `/${g.error_subcode}` : ''}` : null, g.fbtrace_id ? `fbtrace_id ${g.fbtrace_id}` : null]
        .filter(Boolean).join(' · ')
    : null;
  if (error.status === 504 || e.code === 'graph_timeout') {
    return [`Instagram did not answer in time. ${The} may or may not have been delivered: check the thread before sending again.`, detail];
  }
  // The service already explains Meta's codes (24-hour window, expired token, throttling…).
  if (error.status === 502 || error.status === 503) return [`Instagram did not take this ${what}. ${e.message ?? ''}`.trim(), detail];
  // A 400 names the request's field (`attachment.url must be …`): say it as the page does.
  const message = (e.message ?? error.message).replace(/^attachment\.url\b/, 'the image URL');
  return [`${The} was not sent: ${message}`, detail];
}

/**
 * POSTs one message (`text` or `attachment`) to the open conversation; on success clears the
 * field and re-reads thread and list, on failure shows why. Focus returns to `field` either way.
 */
async function send(content, { form, button, field, what, onError }) {
  state.sending = true;
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    await api('/api/messages', { method: 'POST', body: JSON.stringify({ recipient_id: state.selected, ...content }) });
    field.value = '';
    await Promise.all([loadThread({ stickToBottom: true }), loadConversations()]);
  } catch (error) {
    onError(...explainSendError(error, what));
  } finally {
    state.sending = false;
    button.disabled = false;
    form.removeAttribute('aria-busy');
    field.focus();
  }
}

els.composer.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = els.text.value.trim();
  if (!state.selected || state.sending) return;
  if (!text) return showError('Write something first.');
  if (bytes(text) > MAX_TEXT_BYTES) return showError(`Instagram takes at most ${MAX_TEXT_BYTES} bytes of text in one message.`);
  hideError();
  await send({ text }, { form: els.composer, button: els.send, field: els.text, what: 'reply', onError: showError });
  updateCount();
});

// --- image by URL ---------------------------------------------------------------------------

function hideImageError() {
  els.imageError.hidden = true;
  els.imageError.replaceChildren();
  els.imageUrl.removeAttribute('aria-invalid');
}

function showImageError(message, detail) {
  els.imageError.replaceChildren(message, detail ? h('small', {}, detail) : '');
  els.imageError.hidden = false;
}

/** What is wrong with an image address before it is sent (the API checks the rest), or null. */
function imageUrlProblem(value) {
  if (!value) return 'Paste the image\'s address first, e.g. https://example.com/photo.jpg.';
  let url;
  try {
    url = new URL(value);
  } catch {
    return 'That is not a complete web address. It must start with https://';
  }
  if (url.protocol !== 'https:') return 'The address must start with https:// (Instagram fetches images over HTTPS only).';
  return null;
}

els.imageUrl.addEventListener('input', () => {
  if (!els.imageError.hidden) hideImageError();
});

els.imageForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!state.selected || state.sending) return;
  const url = els.imageUrl.value.trim();
  const problem = imageUrlProblem(url);
  if (problem) {
    showImageError(problem);
    els.imageUrl.setAttribute('aria-invalid', 'true');
    els.imageUrl.focus();
    return;
  }
  hideImageError();
  await send({ attachment: { type: 'image', url } }, {
    form: els.imageForm,
    button: els.imageSend,
    field: els.imageUrl,
    what: 'image',
    onError: (message, detail) => {
      showImageError(message, detail);
      if (message.includes('image URL')) els.imageUrl.setAttribute('aria-invalid', 'true');
    },
  });
});

// --- live updates ---------------------------------------------------------------------------

function setLive(stateName, text) {
  els.live.dataset.state = stateName;
  els.live.textContent = text;
}

let refreshTimer = null;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    loadConversations().catch(() => {});
    loadThread({ stickToBottom: false }).catch(() => {});
  }, 100);
}

let liveAbort = null;
let retryMs = 1000;
async function live() {
  liveAbort = new AbortController();
  const signal = liveAbort.signal;
  try {
    const bearer = token.get() ?? (await askToken());
    const response = await fetch('/api/events', { headers: { authorization: `Bearer ${bearer}`, accept: 'text/event-stream' }, signal });
    if (response.status === 401) throw Object.assign(new Error('unauthorized'), { unauthorized: true });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    setLive('live', 'Live');
    retryMs = 1000;
    refreshSoon(); // whatever happened while disconnected
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^event: change$/m.test(block)) refreshSoon();
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    if (error.unauthorized) {
      setLive('offline', 'Not signed in');
      return; // the next API call asks for the token and restarts the stream
    }
  }
  if (signal.aborted) return;
  setLive('offline', 'Reconnecting…');
  setTimeout(live, retryMs);
  retryMs = Math.min(retryMs * 2, 30_000);
}

function restartLive() {
  liveAbort?.abort();
  setLive('connecting', 'Connecting…');
  live();
}

// --- start ----------------------------------------------------------------------------------

els.changeToken.addEventListener('click', async () => {
  await askToken();
  restartLive();
  await loadConversations().catch(() => {});
});
els.dialog.addEventListener('cancel', (event) => {
  if (!token.get()) event.preventDefault(); // the page cannot work without one
});

async function start() {
  updateCount();
  if (!token.get()) await askToken();
  live();
  try {
    await loadConversations();
  } catch (error) {
    showError(`Could not load the conversations: ${error.message}`);
  }
}

start();
