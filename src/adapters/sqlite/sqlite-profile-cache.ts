import { and, asc, eq, gt, isNull, lte, max, sql } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { ContactBook } from '../../application/ports/contact-book.js';
import type { Clock } from '../../domain/clock.js';
import type { ProfileCache } from '../../application/ports/profile-cache.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { contacts, conversations } from './schema.js';

export type CachedProfile = typeof contacts.$inferSelect;

/**
 * The `contacts` table: what the Graph profile look-up last learnt about a customer, or how it
 * failed. `async` for the ports' sake: each statement runs (and commits) when it is called.
 */
@injectable()
export class SqliteProfileCache implements ProfileCache, ContactBook {
  /** Asked for every message of a customer (is the name known?): prepared once, not built per call. */
  private readonly byCustomer;
  private readonly upsertProfile;
  private readonly upsertFailure;

  constructor(
    @inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {
    const p = (name: string) => sql.placeholder(name);
    this.byCustomer = db.select().from(contacts).where(eq(contacts.customerId, p('customerId'))).prepare();
    this.upsertProfile = db
      .insert(contacts)
      .values({ customerId: p('customerId'), username: p('username'), name: p('name'), fetchedAt: p('at'), lastError: null, failedAt: null })
      .onConflictDoUpdate({ target: contacts.customerId, set: { username: sql`excluded.username`, name: sql`excluded.name`, fetchedAt: sql`excluded.fetched_at`, lastError: null, failedAt: null } })
      .prepare();
    // A failure keeps what was known before (a username stays usable while a refresh fails).
    this.upsertFailure = db
      .insert(contacts)
      .values({ customerId: p('customerId'), lastError: p('error'), failedAt: p('at') })
      .onConflictDoUpdate({ target: contacts.customerId, set: { lastError: sql`excluded.last_error`, failedAt: sql`excluded.failed_at` } })
      .prepare();
  }

  /** Usernames Meta named in a message (history): fresh as a look-up, the name kept. */
  async remember(known: Array<{ customerId: string; username: string }>): Promise<void> {
    const at = this.clock.now();
    this.db.transaction((tx) => {
      for (const { customerId, username } of known) {
        const values = { username, fetchedAt: at, lastError: null, failedAt: null };
        tx.insert(contacts).values({ customerId, ...values }).onConflictDoUpdate({ target: contacts.customerId, set: values }).run();
      }
    });
  }

  async get(customerId: string): Promise<CachedProfile | null> {
    return this.byCustomer.get({ customerId }) ?? null;
  }

  async saveProfile(customerId: string, profile: { username: string | null; name: string | null }, at: number): Promise<void> {
    this.upsertProfile.run({ customerId, username: profile.username, name: profile.name, at });
  }

  /** Keeps what was known before (a username stays usable while a refresh fails). */
  async saveFailure(customerId: string, error: string, at: number): Promise<void> {
    this.upsertFailure.run({ customerId, error: error.slice(0, 1000), at });
  }

  /**
   * A window of conversations (by id, so at most `window` rows are read), and those of them
   * whose customer has no contact row yet; `last` is the window's end, null past the newest.
   */
  async unknown(after: number, window: number): Promise<{ customers: string[]; last: number | null }> {
    const c = conversations;
    const rows = this.db
      .select({ customerId: c.customerId })
      .from(c)
      .leftJoin(contacts, eq(contacts.customerId, c.customerId))
      .where(and(gt(c.id, after), lte(c.id, after + window), isNull(contacts.customerId)))
      .orderBy(asc(c.id))
      .all();
    const newest = this.db.select({ id: max(c.id) }).from(c).get()?.id ?? 0;
    return { customers: rows.map((row) => row.customerId), last: after + window >= newest ? null : after + window };
  }
}
