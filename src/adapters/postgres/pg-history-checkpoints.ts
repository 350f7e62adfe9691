import { desc, eq } from 'drizzle-orm';
import { checkpointFromStore, checkpointKey, checkpointToStore, type HistoryCheckpoint, type HistoryCheckpoints, type HistoryWalk } from '../../application/ports/history-checkpoints.js';
import type { Clock } from '../../domain/clock.js';
import type { PgDb } from './database.js';
import { historyState, messages } from './schema.js';

/** The `history_state` table on PostgreSQL: one row per walk and account, shared by every instance. */
export class PgHistoryCheckpoints implements HistoryCheckpoints {
  constructor(
    private readonly db: PgDb,
    private readonly clock: Clock,
  ) {}

  async load(walk: HistoryWalk, account: string): Promise<HistoryCheckpoint | null> {
    const [row] = await this.db.select().from(historyState).where(eq(historyState.walk, checkpointKey(walk, account)));
    return row ? checkpointFromStore(row) : null;
  }

  async save(walk: HistoryWalk, account: string, checkpoint: HistoryCheckpoint): Promise<void> {
    const values = { ...checkpointToStore(checkpoint), updatedAt: this.clock.now() };
    await this.db.insert(historyState).values({ walk: checkpointKey(walk, account), ...values }).onConflictDoUpdate({ target: historyState.walk, set: values });
  }

  /** When the newest message a webhook brought was received (start-up: the silence alarm's memory). */
  async lastWebhookAt(): Promise<number | null> {
    const [row] = await this.db.select({ at: messages.receivedAt }).from(messages).where(eq(messages.origin, 'webhook')).orderBy(desc(messages.id)).limit(1);
    return row?.at ?? null;
  }
}
