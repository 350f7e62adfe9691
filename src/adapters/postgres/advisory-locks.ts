/**
 * PostgreSQL advisory locks igbridge takes. The two-key form (namespace, what) is used for the
 * instance-wide ones, so they can never meet the one-key locks taken per message
 * (`pg_advisory_xact_lock(hashtextextended(mid, 0))`, PgEventWriter): PostgreSQL keeps the two
 * forms apart.
 */
const IGBRIDGE = 0x49474252; // 'IGBR'

/** Start-up migrations: one instance at a time. */
export const MIGRATIONS_LOCK = [IGBRIDGE, 1] as const;
