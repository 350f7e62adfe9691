import pg, { type Pool } from 'pg';
import type { Change, ChangeFeed } from '../../application/ports/change-feed.js';
import type { Logger } from '../../application/ports/logger.js';

/** The channel every instance listens on. */
export const CHANGES_CHANNEL = 'igbridge_changes';
/** Changes published within this many milliseconds leave this instance as one notification. */
const COALESCE_MS = 50;
/** NOTIFY payloads must stay under 8,000 bytes: at most this many customer ids (the inbox re-reads its list anyway). */
const MAX_NOTIFIED_USER_IDS = 200;
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 30_000;

interface Notified extends Change {
  /** The instance that stored the change (it told its own inboxes already). */
  from: string;
}

/**
 * SPEC §14 live updates across instances: an inbox connected to instance B hears of a message
 * instance A stored. Each instance fans out to its own inboxes at once (`local`) and tells the
 * others with one coalesced `NOTIFY` per 50 ms; a dedicated connection `LISTEN`s and hands the
 * others' changes to `local`. A lost listening connection is re-opened with back-off; meanwhile
 * inboxes miss only notifications, never data (they re-read the API).
 */
export class PgChangeFeed implements ChangeFeed {
  private outgoing: { userIds: Set<string>; stored: number; applied: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private listener: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectMs = RECONNECT_FIRST_MS;
  private closed = false;
  private notifyFailing = false;

  constructor(
    private readonly local: ChangeFeed,
    private readonly pool: Pool,
    private readonly connectionString: string,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  /** Opens the listening connection; resolves when it listens (or failed: it retries on its own). */
  async start(): Promise<void> {
    await this.listen();
  }

  publish(change: Change): void {
    if (this.closed) return;
    this.local.publish(change);
    const out = (this.outgoing ??= { userIds: new Set(), stored: 0, applied: 0 });
    for (const id of change.user_ids) if (out.userIds.size < MAX_NOTIFIED_USER_IDS) out.userIds.add(id);
    out.stored += change.stored;
    out.applied += change.applied;
    this.timer ??= setTimeout(() => this.notify(), COALESCE_MS);
  }

  subscribe(listener: (change: Change) => void, onClose: () => void): () => void {
    return this.local.subscribe(listener, onClose);
  }

  get size(): number {
    return this.local.size;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.timer = this.reconnectTimer = null;
    const listener = this.listener;
    this.listener = null;
    listener?.removeAllListeners('error');
    listener?.on('error', () => {});
    void listener?.end().catch(() => {});
    this.local.close();
  }

  private notify(): void {
    this.timer = null;
    const out = this.outgoing;
    this.outgoing = null;
    if (!out || this.closed) return;
    const payload: Notified = { from: this.instanceId, user_ids: [...out.userIds], stored: out.stored, applied: out.applied };
    this.pool.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify(payload)]).then(
      () => {
        if (this.notifyFailing) this.logger.info({}, 'live updates reach the other instances again');
        this.notifyFailing = false;
      },
      (error: Error) => {
        // Logged once per failing spell: the other instances' inboxes miss this change's push, not its data.
        if (!this.notifyFailing) this.logger.warn({ err: { message: error.message } }, 'live update not sent to the other instances (PostgreSQL NOTIFY failed)');
        this.notifyFailing = true;
      },
    );
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 5_000 });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL && message.payload) this.received(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.closed) {
      void client.end().catch(() => {});
      return;
    }
    if (this.reconnectMs > RECONNECT_FIRST_MS) this.logger.info({}, 'listening for the other instances\' live updates again');
    this.listener = client;
    this.reconnectMs = RECONNECT_FIRST_MS;
  }

  private received(payload: string): void {
    let change: Notified;
    try {
      change = JSON.parse(payload) as Notified;
    } catch {
      return;
    }
    if (change.from === this.instanceId || !Array.isArray(change.user_ids)) return;
    this.local.publish({ user_ids: change.user_ids.filter((id) => typeof id === 'string'), stored: Number(change.stored) || 0, applied: Number(change.applied) || 0 });
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.closed || this.reconnectTimer) return;
    if (this.listener && this.listener !== client) return;
    this.listener = null;
    client.removeAllListeners('end');
    void client.end().catch(() => {});
    this.logger.warn({ err: { message: error.message }, retryInMs: this.reconnectMs }, 'lost the connection that listens for the other instances\' live updates; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.listen();
    }, this.reconnectMs);
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MAX_MS);
  }
}
