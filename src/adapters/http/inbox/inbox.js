// igbridge inbox: plain browser JavaScript modules, no build step. Reads and sends through the
// service's own API (api.js); live updates from its event stream (events.js); the conversation
// list (list.js), the open thread (thread.js) and the reply forms (composer.js).
import { askToken, onTokenReplaced, token } from './api.js';
import { updateCount } from './composer.js';
import { els, showError } from './dom.js';
import { restartLive } from './events.js';
import { loadConversations } from './list.js';

onTokenReplaced(restartLive);

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
  restartLive();
  try {
    await loadConversations();
  } catch (error) {
    showError(`Could not load the conversations: ${error.message}`);
  }
}

start();
