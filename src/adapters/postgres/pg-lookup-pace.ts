import type { Pool } from 'pg';
import type { LookupPace } from '../../application/ports/lookup-pace.js';

/**
 * SPEC §14: the profile look-up pace shared by every instance — one row (`lookup_pace`) whose
 * next start each reservation moves on atomically, so N instances together start at most
 * PROFILE_LOOKUPS_PER_S look-ups a second. One statement per look-up (a few a second).
 */
export class PgLookupPace implements LookupPace {
  constructor(private readonly pool: Pool) {}

  async reserve(now: number, spacingMs: number): Promise<number> {
    const { rows } = await this.pool.query<{ at: string }>(
      `INSERT INTO lookup_pace (id, next_at, paused_until) VALUES (1, $1::bigint + $2::bigint, 0)
       ON CONFLICT (id) DO UPDATE SET next_at = GREATEST(lookup_pace.next_at, lookup_pace.paused_until, $1::bigint) + $2::bigint
       RETURNING next_at - $2::bigint AS at`,
      [Math.round(now), Math.ceil(spacingMs)],
    );
    return Number(rows[0]!.at);
  }

  async pause(until: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO lookup_pace (id, next_at, paused_until) VALUES (1, 0, $1::bigint)
       ON CONFLICT (id) DO UPDATE SET paused_until = GREATEST(lookup_pace.paused_until, $1::bigint)`,
      [Math.round(until)],
    );
  }
}
