import { Column, eq, getTableColumns, sql } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import { inject, injectable } from 'tsyringe';
import type { ConversationReader, ConversationSummary, Cursor, MessagePage } from '../../application/ports/conversation-reader.js';
import type { Direction, Message } from '../../domain/message.js';
import type { Metrics } from '../../application/ports/metrics.js';
import { MarkedCache } from '../../domain/marked-cache.js';
import { TOKENS } from '../../tokens.js';
import type { SqliteDb } from './database.js';
import { toMessage, watermarkOf, type MessageRow } from './message-row.js';
import { conversations, messages } from './schema.js';

/** A list row as an array, in SUMMARY_COLUMNS' order (raw rows: no object per row built by the driver). */
type SummaryRow = [
  conversationId: number, accountId: string, customerId: string, username: string | null, name: string | null, id: number, mid: string, direction: Direction,
  text: string | null, attachments: string, sentAt: number, deletedAt: number | null, messageCount: number, unreadCount: number,
];

/** A query's shape: the account filter and the cursor are present or not (four statements each). */
type Shape = { byAccount: boolean; paged: boolean };
const shapeKey = ({ byAccount, paged }: Shape) => (byAccount ? 2 : 0) + (paged ? 1 : 0);

/**
 * Reads `limit` rows through an index whatever the history holds: the list walks the
 * summaries kept in `conversations` (newest first; all accounts, or one through its own index),
 * a thread walks one customer's messages;
 * both continue after a (time, id) cursor compared as a row value, which SQLite seeks to.
 * Every statement is prepared once per shape and reused (no query building per request); the
 * pages' rows come back as arrays (better-sqlite3's raw mode): that halves a list's cost at 200
 * rows, and takes about 15 % off a thread page's (77 µs instead of 90 on the bench's million
 * messages), the page the inbox asks for most. What a page shows is counted as it changes
 * (`changeMark`, pageChangesOf), for the API's read cache and the list rows kept here.
 */
@injectable()
export class SqliteConversationReader implements ConversationReader {
  private readonly lists = new Map<number, Database.Statement>();
  private readonly listKeys = new Map<number, Database.Statement>();
  private readonly summaryById: Database.Statement;
  /** List rows by conversation id, each under its customer's change mark. */
  private readonly summaries = new MarkedCache<number, ConversationSummary>(SUMMARIES_KEPT, () => 1);
  private readonly threads = new Map<number, Database.Statement>();
  private readonly byMid;
  private readonly watermarkRow;
  private readonly accountsOfCustomer;
  private readonly healthWrite;
  private readonly changes: PageChanges;

  constructor(
    @inject(TOKENS.SqliteDatabase) private readonly db: SqliteDb,
    @inject(TOKENS.Metrics) private readonly metrics: Pick<Metrics, 'limitInUse'>,
  ) {
    this.changes = pageChangesOf(db.$client);
    this.summaryById = db.$client.prepare(`SELECT ${SUMMARY_COLUMNS} ${SUMMARY_JOINS} WHERE c.id = ?`).raw(true);
    this.byMid = db.select().from(messages).where(eq(messages.mid, sql.placeholder('mid'))).prepare();
    this.watermarkRow = db.$client.prepare('SELECT read_up_to AS readUpTo, read_at AS readAt FROM conversations WHERE account_id = ? AND customer_id = ?');
    this.accountsOfCustomer = db
      .select({ accountId: conversations.accountId, lastSentAt: conversations.lastSentAt })
      .from(conversations)
      .where(eq(conversations.customerId, sql.placeholder('customerId')))
      .prepare();
    this.healthWrite = db.$client.prepare('INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at');
  }

  /**
   * `epoch.count`: the count of changes to what the pages show (all of them for the list; the
   * customer's counter slot's for a thread), made on this connection; the epoch moves when
   * another connection has committed, which the triggers cannot see.
   */
  changeMark(userId: string | null): string {
    return this.changes.marks()(userId);
  }

  /** A tiny real write (one row of `health`): a full disk or another process's lock fails it. */
  async ping(): Promise<void> {
    this.healthWrite.run(Date.now());
  }

  /**
   * The page's conversations in order come from the summaries' index alone (a third of the cost
   * of reading whole rows); a row is read whole only when its customer's change mark moved since
   * it was last read (usually the one or two conversations a new message just moved to the top),
   * and the rest are the row objects read before — which the API serializes once each.
   */
  async conversations({ limit, before, accountId = null }: { limit: number; before: Cursor | null; accountId?: string | null }): Promise<ConversationSummary[]> {
    const shape = { byAccount: accountId !== null, paged: before !== null };
    const params = [...(accountId === null ? [] : [accountId]), ...(before ? [before.sentAt, before.id] : []), limit];
    const markOf = this.changes.marks();
    const keys = prepared(this.listKeys, shape, () => this.db.$client.prepare(conversationKeysSql(shape)).raw(true)).all(...params) as Array<[id: number, customer: string]>;
    const wanted = keys.map(([id, customer]) => ({ id, mark: markOf(customer) }));
    const page = wanted.map(({ id, mark }) => this.summaries.get(id, mark));
    const missing = wanted.flatMap((row, i) => (page[i] ? [] : [{ i, ...row }]));
    if (missing.length > READ_ONE_BY_ONE) {
      const rows = prepared(this.lists, shape, () => this.db.$client.prepare(conversationsSql(shape)).raw(true)).all(...params) as SummaryRow[];
      return this.kept(rows.map((row) => [row, markOf(row[2])]));
    }
    if (missing.length > 0) {
      const read = this.kept(missing.map(({ id, mark }) => [this.summaryById.get(id) as SummaryRow, mark]));
      missing.forEach(({ i }, j) => (page[i] = read[j]));
    }
    return page as ConversationSummary[];
  }

  /** Summaries of these rows, kept under their marks. */
  private kept(rows: Array<[SummaryRow, string]>): ConversationSummary[] {
    const summaries = rows.map(([row, mark]) => {
      const summary = summaryOf(row);
      this.summaries.set(row[0], mark, summary);
      return summary;
    });
    this.metrics.limitInUse('read_summaries', this.summaries.size);
    return summaries;
  }

  async message(mid: string): Promise<Message | null> {
    const row = this.byMid.get({ mid });
    return row ? toMessage(row, this.watermark(row.accountId, row.customerId)) : null;
  }

  async messages(userId: string, { limit, before, accountId = null }: { limit: number; before: Cursor | null; accountId?: string | null }): Promise<MessagePage> {
    const shape = { byAccount: accountId !== null, paged: before !== null };
    const statement = prepared(this.threads, shape, () => this.db.$client.prepare(threadSql(shape)).raw(true));
    const params = [userId, ...(accountId === null ? [] : [accountId]), ...(before ? [before.sentAt, before.id] : []), limit + 1];
    const rows = (statement.all(...params) as unknown[][]).map(messageRowOf);
    // Each message's read state comes from its own conversation's watermark.
    const watermarks = new Map<string, ReturnType<SqliteConversationReader['watermark']>>();
    const watermarkOfAccount = (account: string) => {
      if (!watermarks.has(account)) watermarks.set(account, this.watermark(account, userId));
      return watermarks.get(account)!;
    };
    const page = rows.slice(0, limit).reverse().map((row) => toMessage(row, watermarkOfAccount(row.accountId)));
    const oldest = page[0];
    return {
      messages: page,
      nextBefore: rows.length > limit && oldest ? { sentAt: oldest.sentAt, id: oldest.id } : null,
    };
  }

  async accountsOf(userId: string): Promise<string[]> {
    // A customer's few conversations, sorted here (an ORDER BY would want a temporary b-tree).
    return this.accountsOfCustomer
      .all({ customerId: userId })
      .sort((x, y) => y.lastSentAt - x.lastSentAt)
      .map((row) => row.accountId);
  }

  private watermark(accountId: string, customerId: string) {
    return watermarkOf(this.watermarkRow.get(accountId, customerId) as { readUpTo: number | null; readAt: number | null } | undefined);
  }
}

/** List rows (conversation summaries) kept for the next list pages, at most: ten pages of 200. */
export const SUMMARIES_KEPT = 2_000;

/** A list page with more rows than this to read afresh reads the whole page in one statement. */
const READ_ONE_BY_ONE = 16;

/** The statement of this shape, prepared on first use. */
function prepared(statements: Map<number, Database.Statement>, shape: Shape, prepare: () => Database.Statement): Database.Statement {
  let statement = statements.get(shapeKey(shape));
  if (!statement) statements.set(shapeKey(shape), (statement = prepare()));
  return statement;
}

function summaryOf([, accountId, userId, username, name, id, mid, direction, text, attachments, sentAt, deletedAt, messageCount, unreadCount]: SummaryRow): ConversationSummary {
  return {
    accountId,
    userId,
    username,
    name,
    lastMessage: { id, mid, direction, text, attachments: JSON.parse(attachments), sentAt, deleted: deletedAt !== null },
    messageCount,
    unreadCount,
  };
}

/**
 * Per-customer change counters: the mark of a customer's thread pages, and of their list rows, is
 * their slot's count. Customers sharing a slot see each other's changes as their own (a page read
 * again for nothing); the memory is fixed (512 KiB) however many customers there are. The last
 * slot counts every change (the list's pages).
 */
const SLOTS = 65_536;
const ALL = SLOTS;

/** FNV-1a of the customer id, to a slot. */
function slotOf(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) hash = Math.imul(hash ^ customerId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SLOTS;
}

interface PageChanges {
  /**
   * Marks as of now, after looking once (PRAGMA data_version) whether another connection
   * committed: `epoch.count` of the customer's slot, or of every change for the list (null).
   */
  marks(): (customer: string | null) => string;
}

/** One per connection: the triggers and their function are the connection's own. */
const pageChanges = new WeakMap<Database.Database, PageChanges>();

/**
 * Counts every row written to `messages`, `conversations` (a read watermark, the counts) and
 * `contacts` on this connection, under its customer, whatever code wrote it: temporary triggers
 * (this connection's only) call a function of this process, in the writing statement. These
 * three tables are all that the pages read, and every row of them is one customer's. A write
 * rolled back has been counted all the same (a page read again for nothing). Another
 * connection's commit (a command-line tool, another process) is seen by PRAGMA data_version when
 * a mark is taken, and moves the epoch.
 */
function pageChangesOf(client: Database.Database): PageChanges {
  const known = pageChanges.get(client);
  if (known) return known;
  const counts = new Float64Array(SLOTS + 1);
  client.function('igbridge_page_row_changed', { deterministic: false }, (customer: unknown) => {
    counts[ALL] += 1;
    if (typeof customer === 'string') counts[slotOf(customer)] += 1;
    return null;
  });
  for (const table of ['messages', 'conversations', 'contacts']) {
    const changed = (row: 'NEW' | 'OLD') => `SELECT igbridge_page_row_changed(${row}.customer_id);`;
    client.exec(`
      CREATE TEMP TRIGGER igbridge_pages_${table}_insert AFTER INSERT ON main.${table} BEGIN ${changed('NEW')} END;
      CREATE TEMP TRIGGER igbridge_pages_${table}_update AFTER UPDATE ON main.${table} BEGIN
        ${changed('NEW')}
        SELECT igbridge_page_row_changed(OLD.customer_id) WHERE OLD.customer_id IS NOT NEW.customer_id;
      END;
      CREATE TEMP TRIGGER igbridge_pages_${table}_delete AFTER DELETE ON main.${table} BEGIN ${changed('OLD')} END;`);
  }
  const dataVersion = client.prepare('PRAGMA data_version').pluck();
  let version = dataVersion.get() as number;
  let epoch = 0;
  const changes: PageChanges = {
    marks() {
      const seen = dataVersion.get() as number;
      if (seen !== version) {
        version = seen;
        epoch += 1;
      }
      const at = epoch;
      return (customer) => `${at}.${counts[customer === null ? ALL : slotOf(customer)]}`;
    },
  };
  pageChanges.set(client, changes);
  return changes;
}

/**
 * The `messages` columns, in the order a thread's raw rows come back (threadSql): taken from the
 * schema, so they cannot drift from it; `decode` is the column's own driver mapping (JSON,
 * boolean) where it has one, and null where the value is kept as it is.
 */
const MESSAGE_COLUMNS = Object.entries(getTableColumns(messages)).map(([key, column]) => ({
  key,
  name: column.name,
  decode: column.mapFromDriverValue === Column.prototype.mapFromDriverValue ? null : (value: unknown) => column.mapFromDriverValue(value),
}));

/** A raw thread row as the schema's row, decoded as Drizzle would, without its per-query machinery. */
function messageRowOf(values: unknown[]): MessageRow {
  const row: Record<string, unknown> = {};
  MESSAGE_COLUMNS.forEach(({ key, decode }, i) => {
    const value = values[i];
    row[key] = value === null || !decode ? value : decode(value);
  });
  return row as MessageRow;
}

/** One customer's thread, newest first, `limit` rows, every column in MESSAGE_COLUMNS' order. Parameters in order: customer id, account id, cursor time and id, limit — those the shape has. */
export function threadSql({ byAccount, paged }: Shape): string {
  const conditions = ['customer_id = ?', byAccount ? 'account_id = ?' : null, paged ? '(sent_at, id) < (?, ?)' : null].filter((condition) => condition !== null);
  return `
    SELECT ${MESSAGE_COLUMNS.map(({ name }) => `"${name}"`).join(', ')}
    FROM messages
    WHERE ${conditions.join(' AND ')}
    ORDER BY sent_at DESC, id DESC
    LIMIT ?`;
}

/** A list row's columns (SummaryRow's order) and where they come from: the summary, its last message and its contact. */
const SUMMARY_COLUMNS = `c.id, c.account_id, c.customer_id, k.username, k.name, m.id, m.mid, m.direction, m.text, m.attachments,
           m.sent_at, m.deleted_at, c.message_count, c.unread_count`;
const SUMMARY_JOINS = `FROM conversations c
    JOIN messages m ON m.id = c.last_message_id
    LEFT JOIN contacts k ON k.customer_id = c.customer_id`;

/** A list page's conditions and order: of one account (or all), after the cursor. Parameters in order: account id, cursor time and id, limit — those the shape has. */
function listOrder({ byAccount, paged }: Shape): string {
  const conditions = [byAccount ? 'c.account_id = ?' : null, paged ? '(c.last_sent_at, c.last_message_id) < (?, ?)' : null].filter((condition) => condition !== null);
  return `${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
    ORDER BY c.last_sent_at DESC, c.last_message_id DESC
    LIMIT ?`;
}

/** The inbox's list: `limit` summaries newest first (of one account, or all), each joined to its last message and contact; the columns in SummaryRow's order. */
export function conversationsSql(shape: Shape): string {
  return `SELECT ${SUMMARY_COLUMNS} ${SUMMARY_JOINS} ${listOrder(shape)}`;
}

/** The same page's conversations as (id, customer id) only: the summaries' index and rows, no join. */
export function conversationKeysSql(shape: Shape): string {
  return `SELECT c.id, c.customer_id FROM conversations c ${listOrder(shape)}`;
}
