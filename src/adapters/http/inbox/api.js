// The service's API with the bearer token kept in localStorage; a refused token is asked again.
import { els } from './dom.js';

const TOKEN_KEY = 'igbridge.apiToken';

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (value) => localStorage.setItem(TOKEN_KEY, value),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

const tokenListeners = [];
/** `listener()` runs after a refused token was replaced (the event stream restarts with it). */
export function onTokenReplaced(listener) {
  tokenListeners.push(listener);
}

let askingToken = null;
/** Opens the token dialog (once, however many calls need it) and resolves when a token is saved. */
export function askToken(problem) {
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

/** The token saved, or the one the person types now. */
export const bearerToken = async () => token.get() ?? (await askToken());

export async function api(path, init = {}) {
  let bearer = await bearerToken();
  for (;;) {
    const response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', authorization: `Bearer ${bearer}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
    const body = await response.json().catch(() => null);
    if (response.status === 401 && body?.error?.code !== 'api_token_not_configured') {
      token.clear();
      bearer = await askToken('The service refused this token. Check API_TOKEN in its .env.');
      for (const listener of tokenListeners) listener();
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }
}
