// Live updates: the server-sent event stream GET /api/events, read with fetch so the token
// stays in a header; each `change` re-reads list and thread; it reconnects with back-off.
import { loadAccounts } from './accounts.js';
import { bearerToken } from './api.js';
import { els } from './dom.js';
import { loadConversations } from './list.js';
import { loadThread } from './thread.js';

function setLive(stateName, text) {
  els.live.dataset.state = stateName;
  els.live.textContent = text;
}

let refreshTimer = null;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    loadAccounts().catch(() => {});
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
    const bearer = await bearerToken();
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

/** (Re)opens the stream, e.g. with a new token. */
export function restartLive() {
  liveAbort?.abort();
  setLive('connecting', 'Connecting…');
  live();
}
