/** Where profile look-ups are remembered (the `contacts` table); asynchronous, as a shared store answers over the network. */
export interface ProfileCache {
  get(customerId: string): Promise<{ username: string | null; fetchedAt: number | null; failedAt: number | null } | null>;
  saveProfile(customerId: string, profile: { username: string | null; name: string | null }, at: number): Promise<void>;
  saveFailure(customerId: string, error: string, at: number): Promise<void>;
  /** Customers with a conversation and nothing cached, among conversation ids (after, after + window]. */
  unknown(after: number, window: number): Promise<{ customers: string[]; last: number | null }>;
}
