/**
 * Customers' Instagram usernames as the rest of igbridge asks for them: on a budget
 * (PROFILE_LOOKUPS_PER_S, PROFILE_QUEUE_MAX), never throwing, never waiting unboundedly.
 */
export interface Usernames {
  /** Asks for the customer's profile in the background; returns at once. */
  request(customerId: string): void;
  /** The username if known, else waits up to `maxWaitMs` for its look-up; null when it cannot be had in time. */
  of(customerId: string, maxWaitMs: number): Promise<string | null>;
}
