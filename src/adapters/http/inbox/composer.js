// The reply box and "Send an image by URL": both POST /api/messages to the open conversation.
import { loadAccounts } from './accounts.js';
import { api } from './api.js';
import { els, hideAlert, hideError, showAlert, showError } from './dom.js';
import { loadConversations } from './list.js';
import { state } from './state.js';
import { loadThread } from './thread.js';

const MAX_TEXT_BYTES = 1000;
const bytes = (text) => new TextEncoder().encode(text).length;

export function updateCount() {
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
  if (e.code === 'graph_not_configured') {
    return [`${The} was not sent: Instagram sending is not configured for this account, so Instagram was not asked. ${e.message ?? ''}`.trim(), null];
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
    await api('/api/messages', { method: 'POST', body: JSON.stringify({ recipient_id: state.selected, account_id: state.selectedAccount, ...content }) });
    field.value = '';
    await Promise.all([loadThread({ stickToBottom: true }), loadConversations()]);
  } catch (error) {
    onError(...explainSendError(error, what));
    // A refused token marks its account: the banner says so.
    if (error.body?.error?.reason === 'token_invalid') await loadAccounts().catch(() => {});
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
  hideAlert(els.imageError);
  els.imageUrl.removeAttribute('aria-invalid');
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
    showAlert(els.imageError, problem);
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
      showAlert(els.imageError, message, detail);
      if (message.includes('image URL')) els.imageUrl.setAttribute('aria-invalid', 'true');
    },
  });
});
