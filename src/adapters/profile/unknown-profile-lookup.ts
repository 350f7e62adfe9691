import type { ProfileLookup } from '../../application/ports/profile-lookup.js';

/** No look-up configured: the CRM's `username` falls back to the IGSID, at once. */
export class UnknownProfileLookup implements ProfileLookup {
  async known(): Promise<{ username: string | null }> {
    return { username: null };
  }

  async username(): Promise<string | null> {
    return null;
  }

  async unknown(): Promise<{ customers: string[]; last: number | null }> {
    return { customers: [], last: null };
  }
}
