// What the page holds: the accounts, the conversations listed, the open thread, whether a send is under way.
export const state = {
  accounts: [],
  /** The account whose conversations are listed; '' = all. */
  accountFilter: '',
  conversations: [],
  conversationsBefore: null,
  /** The open conversation: a customer (`selected`) with one account (`selectedAccount`). */
  selected: null,
  selectedAccount: null,
  messages: [],
  nextBefore: null,
  sending: false,
};
