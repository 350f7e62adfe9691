import { eq } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { ContactBook } from '../../application/ports/contact-book.js';
import type { Clock } from '../../domain/clock.js';
import type { ProfileCache } from '../../application/ports/profile-cache.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { contacts } from './schema.js';

export type CachedProfile = typeof contacts.$inferSelect;

/** The `contacts` table: what the Graph profile look-up last learnt about a customer, or how it failed. */
@injectable()
export class SqliteProfileCache implements ProfileCache, ContactBook {
  constructor(
    @inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  /** Usernames Meta named in a message (history): fresh as a look-up, the name kept. */
  remember(known: Array<{ customerId: string; username: string }>): void {
    const at = this.clock.now();
    this.db.transaction((tx) => {
      for (const { customerId, username } of known) {
        const values = { username, fetchedAt: at, lastError: null, failedAt: null };
        tx.insert(contacts).values({ customerId, ...values }).onConflictDoUpdate({ target: contacts.customerId, set: values }).run();
      }
    });
  }

  get(customerId: string): CachedProfile | null {
    return this.db.select().from(contacts).where(eq(contacts.customerId, customerId)).get() ?? null;
  }

  saveProfile(customerId: string, profile: { username: string | null; name: string | null }, at: number): void {
    const values = { username: profile.username, name: profile.name, fetchedAt: at, lastError: null, failedAt: null };
    this.db.insert(contacts).values({ customerId, ...values }).onConflictDoUpdate({ target: contacts.customerId, set: values }).run();
  }

  /** Keeps what was known before (a username stays usable while a refresh fails). */
  saveFailure(customerId: string, error: string, at: number): void {
    const values = { lastError: error.slice(0, 1000), failedAt: at };
    this.db.insert(contacts).values({ customerId, ...values }).onConflictDoUpdate({ target: contacts.customerId, set: values }).run();
  }
}
