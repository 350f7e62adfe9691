import { desc, eq } from 'drizzle-orm';
import { checkpointFromStore, checkpointKey, checkpointToStore, type HistoryCheckpoint, type HistoryCheckpoints, type HistoryWalk } from '../../application/ports/history-checkpoints.js';
import type { Clock } from '../../domain/clock.js';
import type { SqliteDb } from './database.js';
import { historyState, messages } from './schema.js';

/**
 * The `history_state` table: one row per walk and account (`sync:<account id>`), written after
 * each conversation (`async` for the port's sake: each statement runs when it is called).
 */
export class SqliteHistoryCheckpoints implements HistoryCheckpoints {
  constructor(
    private readonly db: SqliteDb,
    private readonly clock: Clock,
  ) {}

  async load(walk: HistoryWalk, account: string): Promise<HistoryCheckpoint | null> {
    const row = this.db.select().from(historyState).where(eq(historyState.walk, checkpointKey(walk, account))).get();
    return row ? checkpointFromStore(row) : null;
  }

  async save(walk: HistoryWalk, account: string, checkpoint: HistoryCheckpoint): Promise<void> {
    const values = { ...checkpointToStore(checkpoint), updatedAt: this.clock.now() };
    this.db.insert(historyState).values({ walk: checkpointKey(walk, account), ...values }).onConflictDoUpdate({ target: historyState.walk, set: values }).run();
  }

  /** When the newest message a webhook brought was received (start-up: the silence alarm's memory). */
  lastWebhookAt(): number | null {
    const row = this.db.select({ at: messages.receivedAt }).from(messages).where(eq(messages.origin, 'webhook')).orderBy(desc(messages.id)).limit(1).get();
    return row?.at ?? null;
  }
}
