import { sql } from 'drizzle-orm';
import { inject, injectable } from 'tsyringe';
import type { CrmStatus } from '../../application/ports/crm-status.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';

/** `/readyz` while the mirror is off: the messages waiting for a backfill. */
@injectable()
export class DisabledCrmStatus implements CrmStatus {
  constructor(@inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb) {}

  async status() {
    const row = this.db.get<{ waiting: number; failed: number }>(sql`
      SELECT COALESCE(SUM(crm_state = 'not_mirrored'), 0) AS waiting, COALESCE(SUM(crm_state = 'failed'), 0) AS failed
      FROM messages`);
    return { state: 'disabled' as const, backlog: row.waiting, failed: row.failed };
  }
}
