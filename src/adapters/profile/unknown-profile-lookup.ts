import type { ProfileLookup } from '../../application/ports/profile-lookup.js';

/** No look-up configured: the CRM's `username` falls back to the IGSID. */
export class UnknownProfileLookup implements ProfileLookup {
  async username(): Promise<string | null> {
    return null;
  }
}
