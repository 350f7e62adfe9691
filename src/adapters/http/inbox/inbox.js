// igbridge inbox: plain browser JavaScript modules, no build step. Reads and sends through the
// service's own API (api.js); live updates from its event stream (events.js); the conversation
// list (list.js), the open thread (thread.js), the reply forms (composer.js) and the accounts
// (accounts.js: the switcher and the token banner).
import { loadAccounts, onAccountFilter } from './accounts.js';
import { askToken, onTokenReplaced, token } from './api.js';
import { updateCount } from './composer.js';
import { els, showError } from './dom.js';
import { restartLive } from './events.js';
import { loadConversations, switchAccount } from './list.js';

/** The accounts' token states change in the background (refreshes, Meta's answers): re-read now and then. */
const ACCOUNTS_EVERY_MS = 60_000;

onTokenReplaced(restartLive);
onAccountFilter(() => switchAccount().catch((error) => showError(`Could not load the conversations: ${error.message}`)));

els.changeToken.addEventListener('click', async () => {
  await askToken();
  restartLive();
  await loadAccounts().catch(() => {});
  await loadConversations().catch(() => {});
});
els.dialog.addEventListener('cancel', (event) => {
  if (!token.get()) event.preventDefault(); // the page cannot work without one
});

async function start() {
  updateCount();
  if (!token.get()) await askToken();
  restartLive();
  setInterval(() => loadAccounts().catch(() => {}), ACCOUNTS_EVERY_MS);
  try {
    await loadAccounts();
    await loadConversations();
  } catch (error) {
    showError(`Could not load the conversations: ${error.message}`);
  }
}

start();
