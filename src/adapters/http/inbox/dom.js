// The page's elements and small DOM helpers shared by every part of the inbox.

const $ = (id) => document.getElementById(id);
export const els = {
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
  accountSwitch: $('account-switch'),
  accountFilter: $('account-filter'),
  banner: $('account-banner'),
};

/** Builds an element: h('p', {class: 'x'}, 'text', child). Text is never parsed as HTML. */
export function h(tag, attrs = {}, ...children) {
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

/** Shows `message` (and a smaller `detail` line) in an alert paragraph. */
export function showAlert(el, message, detail) {
  el.replaceChildren(message, detail ? h('small', {}, detail) : '');
  el.hidden = false;
}

export function hideAlert(el) {
  el.hidden = true;
  el.replaceChildren();
}

/** The reply box's alert: also where list and start-up problems are said. */
export const showError = (message, detail) => showAlert(els.error, message, detail);
export const hideError = () => hideAlert(els.error);

export const safeUrl = (url) => (typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null);

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
export const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function shortTime(iso) {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dateFormat.format(date);
}
