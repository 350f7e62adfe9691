import { FakeMessageStore } from '../support/fake-message-store.js';
import { messageStoreContract } from '../contract/message-store.contract.js';

messageStoreContract('FakeMessageStore', async () => new FakeMessageStore());
