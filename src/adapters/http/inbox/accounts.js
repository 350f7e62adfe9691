// The Instagram accounts igbridge serves: the switcher (all accounts, or one), each account's
// name, and the banner for a token that is expiring or no longer works (it says what to do).
import { api } from './api.js';
import { els, h } from './dom.js';
import { state } from './state.js';

/** How an account is named in the page: @username, or its id. */
export function accountLabel(id) {
  const account = state.accounts.find((a) => a.id === id);
  return account?.username ? `@${account.username}` : id;
}

/** Whether the page deals with more than one account (then each conversation names its own). */
export const severalAccounts = () => state.accounts.length > 1;

export async function loadAccounts() {
  state.accounts = await api('/api/accounts');
  if (state.accountFilter && !state.accounts.some((a) => a.id === state.accountFilter)) state.accountFilter = '';
  renderSwitcher();
  renderBanner();
}

function renderSwitcher() {
  els.accountSwitch.hidden = !severalAccounts();
  const options = [h('option', { value: '' }, 'All accounts'), ...state.accounts.map((a) => h('option', { value: a.id }, accountLabel(a.id)))];
  els.accountFilter.replaceChildren(...options);
  els.accountFilter.value = state.accountFilter;
}

const STATE_TITLES = { expiring: 'Access token expiring', invalid: 'Access token not working' };

function renderBanner() {
  const troubled = state.accounts.filter((a) => a.token_state !== 'ok' && a.problem);
  els.banner.hidden = troubled.length === 0;
  els.banner.dataset.state = troubled.some((a) => a.token_state === 'invalid') ? 'invalid' : 'expiring';
  els.banner.replaceChildren(...troubled.map((a) =>
    h('p', { dataset: { account: a.id, tokenState: a.token_state } }, h('strong', {}, `${STATE_TITLES[a.token_state] ?? a.token_state} (${accountLabel(a.id)}): `), a.problem)));
}

/** `listener(accountId)` runs when the switcher changes (the list is re-read for it). */
export function onAccountFilter(listener) {
  els.accountFilter.addEventListener('change', () => {
    state.accountFilter = els.accountFilter.value;
    listener(state.accountFilter);
  });
}
