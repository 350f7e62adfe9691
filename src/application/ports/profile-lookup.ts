/** Who a customer is on Instagram. Never throws: unknown → null. */
export interface ProfileLookup {
  /** The customer's Instagram username, from a cache or the Graph API; null when it cannot be had. */
  username(customerId: string): Promise<string | null>;
}
