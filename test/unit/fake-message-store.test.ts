import { FakeMessageStore } from '../support/fake-message-store.js';
import { messageStoreContract } from '../contract/message-store.contract.js';

messageStoreContract('FakeMessageStore', async (clock) => {
  const store = new FakeMessageStore(clock);
  return { store, find: async (mid) => store.find(mid) };
});
