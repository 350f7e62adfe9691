// What the page holds: the conversations listed, the open thread, whether a send is under way.
export const state = {
  conversations: [],
  conversationsBefore: null,
  selected: null,
  messages: [],
  nextBefore: null,
  sending: false,
};
