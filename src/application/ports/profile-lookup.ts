/** Who a customer is on Instagram: one look-up per call, answers remembered. */
export interface ProfileLookup {
  /** What is known without a call: a fresh username, or a failure too recent to retry; undefined → a call is needed. */
  known(customerId: string): Promise<{ username: string | null } | undefined>;
  /** The customer's Instagram username, from the cache or one call; null when it cannot be had. Throws ProfileRateLimited only. */
  username(customerId: string): Promise<string | null>;
  /** Customers never looked up, a window of conversations at a time (after a line overflowed); `last` null: no more. */
  unknown(after: number, window: number): Promise<{ customers: string[]; last: number | null }>;
}

/** Meta asked to slow down (Graph codes 4, 17, 32, 613): the look-up was not made; try again later. */
export class ProfileRateLimited extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileRateLimited';
  }
}
