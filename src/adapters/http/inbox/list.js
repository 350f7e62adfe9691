// The conversation list: newest first, older pages on request, arrow keys move through it.
import { api } from './api.js';
import { els, fullFormat, h, shortTime, showError } from './dom.js';
import { state } from './state.js';
import { renderThreadHead, select } from './thread.js';

/** Conversations per page: the API's largest. */
const CONVERSATION_PAGE = 200;

export async function loadConversations() {
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
    if (first) await open(first.user_id, { focus: false });
  } else {
    renderThreadHead();
  }
}

/** Opens a conversation's thread and marks it in the list. */
async function open(userId, options) {
  const loading = select(userId, options);
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
  const focusedId = document.activeElement?.dataset?.userId;
  els.list.replaceChildren(
    ...state.conversations.map((c) => {
            const unread = c.unread_count > 0 ? h('span', { class: 'unread', 'aria-label': `${c.unread_count} unread` }, c.unread_count) : h('span');
      return h('li', {},
        h('button', {
          type: 'button',
          class: 'conversation',
          dataset: { userId: c.user_id },
          'aria-current': c.user_id === state.selected ? 'true' : 'false',
          onclick: () => open(c.user_id, { focus: false }),
        },
        h('span', { class: 'who' }, c.username || c.user_id),
        h('time', { datetime: c.last_message_at, title: fullFormat.format(new Date(c.last_message_at)) }, shortTime(c.last_message_at)),
        h('span', { class: 'last', dir: 'auto' }, preview(c.last_message)),
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
