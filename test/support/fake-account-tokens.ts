import type { AccountToken, AccountTokens } from '../../src/application/ports/account-tokens.js';
import { FAKE_ACCOUNT_ID, FAKE_GRAPH_TOKEN } from './fake-graph.js';

/** AccountTokens with one account that every customer talks to; records what Meta made of its token. */
export class FakeAccountTokens implements AccountTokens {
  readonly rejections: Array<{ used: AccountToken; reason: string }> = [];
  readonly acceptances: AccountToken[] = [];

  constructor(private readonly account: AccountToken | null = { accountId: FAKE_ACCOUNT_ID, token: FAKE_GRAPH_TOKEN }) {}

  tokenOf(accountId: string): AccountToken | null {
    return this.account?.accountId === accountId ? this.account : null;
  }

  async tokenForCustomer(): Promise<AccountToken | null> {
    return this.account;
  }

  any(): boolean {
    return this.account !== null;
  }

  async rejected(used: AccountToken, reason: string): Promise<void> {
    this.rejections.push({ used, reason });
  }

  async accepted(used: AccountToken): Promise<void> {
    this.acceptances.push(used);
  }
}
