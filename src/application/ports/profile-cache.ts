/** Where profile look-ups are remembered (the SQLite `contacts` table). */
export interface ProfileCache {
  get(customerId: string): { username: string | null; fetchedAt: number | null; failedAt: number | null } | null;
  saveProfile(customerId: string, profile: { username: string | null; name: string | null }, at: number): void;
  saveFailure(customerId: string, error: string, at: number): void;
  /** Customers with a conversation and nothing cached, among conversation ids (after, after + window]. */
  unknown(after: number, window: number): { customers: string[]; last: number | null };
}
