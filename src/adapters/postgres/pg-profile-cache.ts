import { and, asc, eq, gt, isNull, lte, max, sql } from 'drizzle-orm';
import type { ContactBook } from '../../application/ports/contact-book.js';
import type { ProfileCache } from '../../application/ports/profile-cache.js';
import type { Clock } from '../../domain/clock.js';
import type { PgDb } from './database.js';
import { contacts, conversations } from './schema.js';

export type CachedProfile = typeof contacts.$inferSelect;

/** The `contacts` table on PostgreSQL: the same statements as the SQLite cache, shared by every instance. */
export class PgProfileCache implements ProfileCache, ContactBook {
  constructor(
    private readonly db: PgDb,
    private readonly clock: Clock,
  ) {}

  async remember(known: Array<{ customerId: string; username: string }>): Promise<void> {
    if (known.length === 0) return;
    const at = this.clock.now();
    // One statement: a username named twice in one call keeps the last.
    const unique = [...new Map(known.map((k) => [k.customerId, k])).values()];
    await this.db
      .insert(contacts)
      .values(unique.map(({ customerId, username }) => ({ customerId, username, fetchedAt: at, lastError: null, failedAt: null })))
      .onConflictDoUpdate({ target: contacts.customerId, set: { username: sql`excluded.username`, fetchedAt: sql`excluded.fetched_at`, lastError: null, failedAt: null } });
  }

  async get(customerId: string): Promise<CachedProfile | null> {
    const [row] = await this.db.select().from(contacts).where(eq(contacts.customerId, customerId));
    return row ?? null;
  }

  async saveProfile(customerId: string, profile: { username: string | null; name: string | null }, at: number): Promise<void> {
    await this.db
      .insert(contacts)
      .values({ customerId, username: profile.username, name: profile.name, fetchedAt: at, lastError: null, failedAt: null })
      .onConflictDoUpdate({ target: contacts.customerId, set: { username: sql`excluded.username`, name: sql`excluded.name`, fetchedAt: sql`excluded.fetched_at`, lastError: null, failedAt: null } });
  }

  /** Keeps what was known before (a username stays usable while a refresh fails). */
  async saveFailure(customerId: string, error: string, at: number): Promise<void> {
    await this.db
      .insert(contacts)
      .values({ customerId, lastError: error.slice(0, 1000), failedAt: at })
      .onConflictDoUpdate({ target: contacts.customerId, set: { lastError: sql`excluded.last_error`, failedAt: sql`excluded.failed_at` } });
  }

  async unknown(after: number, window: number): Promise<{ customers: string[]; last: number | null }> {
    const c = conversations;
    const rows = await this.db
      .select({ customerId: c.customerId })
      .from(c)
      .leftJoin(contacts, eq(contacts.customerId, c.customerId))
      .where(and(gt(c.id, after), lte(c.id, after + window), isNull(contacts.customerId)))
      .orderBy(asc(c.id));
    const [newest] = await this.db.select({ id: max(c.id) }).from(c);
    return { customers: [...new Set(rows.map((row) => row.customerId))], last: after + window >= (newest?.id ?? 0) ? null : after + window };
  }
}
