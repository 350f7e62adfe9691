import type { Pool } from 'pg';
import type { ClusterLock } from '../../application/ports/cluster-lock.js';

/**
 * SPEC §14: a session advisory lock per name, held on one pooled connection for as long as the
 * work runs. `pg_try_advisory_lock` never waits: an instance that finds the name taken skips.
 * An instance that dies loses its connection, and PostgreSQL releases the lock with it.
 */
export class PgClusterLock implements ClusterLock {
  constructor(private readonly pool: Pool) {}

  async runExclusive<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [name]);
      if (!rows[0]!.ok) return { ran: false };
      try {
        return { ran: true, value: await work() };
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]).catch((error: Error) => (broken = error));
      }
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      // A connection that failed is closed rather than pooled (it may still hold the lock).
      client.release(broken);
    }
  }
}
