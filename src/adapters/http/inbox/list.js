// The conversation list (of every account, or the one switched to): newest first, older pages
// on request, arrow keys move through it. A conversation is a customer with one account.
import { accountLabel, severalAccounts } from './accounts.js';
import { api } from './api.js';
import { els, fullFormat, h, shortTime, showError } from './dom.js';
import { state } from './state.js';
import { renderThreadHead, select } from './thread.js';

/** Conversations per page: the API's largest. */
const CONVERSATION_PAGE = 200;

/** A conversation's key in the page: its account and its customer. */
export const keyOf = (c) => `${c.account_id}/${c.user_id}`;

/** `/api/conversations` for the account switched to (all when none). */
function listPath(extra = '') {
  const account = state.accountFilter ? `&account_id=${encodeURIComponent(state.accountFilter)}` : '';
  return `/api/conversations?limit=${CONVERSATION_PAGE}${account}${extra}`;
}

export async function loadConversations() {
  const filter = state.accountFilter;
  const page = await api(listPath());
  if (filter !== state.accountFilter) return; // switched meanwhile: that load draws the list
  const { conversations } = page;
  // The newest page replaces what it covers; older pages loaded before are kept. A conversation
  // that moved up with a new message is in the newest page, so it is listed once.
  const fresh = new Set(conversations.map(keyOf));
  const oldest = conversations.at(-1)?.last_message_at_ms ?? Infinity;
  const older = page.next_before
    ? state.conversations.filter((c) => !fresh.has(keyOf(c)) && c.last_message_at_ms <= oldest)
    : [];
  state.conversations = [...conversations, ...older];
  state.conversationsBefore = older.length > 0 ? state.conversationsBefore : page.next_before;
  renderConversations();
  if (!state.selected) {
    const wanted = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
    const first = conversations.find((c) => keyOf(c) === wanted || c.user_id === wanted) ?? conversations[0];
    if (first) await open(first, { focus: false });
  } else {
    renderThreadHead();
  }
}

/** The account switcher changed: the list starts again with that account's conversations. */
export async function switchAccount() {
  state.conversations = [];
  state.conversationsBefore = null;
  await loadConversations();
}

/** Opens a conversation's thread and marks it in the list. */
async function open(conversation, options) {
  const loading = select(conversation.user_id, conversation.account_id, options);
  renderConversations();
  await loading;
}

/**
 * The list's one-line preview: the last message's text exactly as written (CSS keeps it to one
 * line); a message without text names its attachment ("Image attachment").
 */
function preview(message) {
  if (message.deleted) return 'Message unsent';
  const type = message.attachments?.[0]?.type;
  const body = message.text || (type ? `${type[0].toUpperCase()}${type.slice(1).replace(/_/g, ' ')} attachment` : '');
  return (message.direction === 'out' ? 'You: ' : '') + body;
}

function renderConversations() {
  els.listEmpty.hidden = state.conversations.length > 0;
  els.olderConversations.hidden = !state.conversationsBefore;
  const focusedKey = document.activeElement?.dataset?.key;
  const named = severalAccounts();
  els.list.replaceChildren(
    ...state.conversations.map((c) => {
      const unread = c.unread_count > 0 ? h('span', { class: 'unread', 'aria-label': `${c.unread_count} unread` }, c.unread_count) : h('span');
      const account = named ? h('span', { class: 'account', title: `Instagram account ${c.account_id}` }, `to ${accountLabel(c.account_id)}`) : null;
      return h('li', {},
        h('button', {
          type: 'button',
          class: 'conversation',
          dataset: { userId: c.user_id, accountId: c.account_id, key: keyOf(c) },
          'aria-current': c.user_id === state.selected && c.account_id === state.selectedAccount ? 'true' : 'false',
          onclick: () => open(c, { focus: false }),
        },
        h('span', { class: 'who' }, c.username || c.user_id),
        h('time', { datetime: c.last_message_at, title: fullFormat.format(new Date(c.last_message_at)) }, shortTime(c.last_message_at)),
        h('span', { class: 'last', dir: 'auto' }, preview(c.last_message)),
        unread,
        account));
    }),
  );
  if (focusedKey) els.list.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`)?.focus();
}

els.olderConversations.addEventListener('click', async () => {
  const before = state.conversationsBefore;
  if (!before || els.olderConversations.disabled) return;
  els.olderConversations.disabled = true;
  els.olderConversations.setAttribute('aria-busy', 'true');
  try {
    const page = await api(listPath(`&before=${encodeURIComponent(before)}`));
    if (state.conversationsBefore !== before) return; // already loaded
    const known = new Set(state.conversations.map(keyOf));
    const added = page.conversations.filter((c) => !known.has(keyOf(c)));
    state.conversations = [...state.conversations, ...added];
    state.conversationsBefore = page.next_before;
    renderConversations();
    // Keyboard users go on from the first conversation that appeared (the button may be gone).
    if (added[0]) els.list.querySelector(`[data-key="${CSS.escape(keyOf(added[0]))}"]`)?.focus();
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
