import { createCrmDatabase, type CrmTestDatabase } from '../test/support/mysql.js';
import { sleep } from './processes.js';
import { sqliteMids, sqliteStore, type BenchStore } from './stores.js';

/**
 * A fresh CRM database (the test suite's table: id, the five columns, extra columns with
 * defaults), with `imported_at` kept to the millisecond so that CRM lag can be measured.
 */
export async function freshCrm(): Promise<CrmTestDatabase> {
  const crm = await createCrmDatabase();
  await crm.admin.query(`ALTER TABLE \`${crm.database}\`.messages MODIFY imported_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)`);
  return crm;
}

export interface CrmCount {
  rows: number;
  distinct: number;
}

export interface ExactlyOnce {
  /** Mids answered 2xx. */
  acked: number;
  /** Messages the store holds, and how many of its rows repeat a mid. */
  stored: number;
  storeDuplicates: number;
  /** Acknowledged mids the store does not hold. */
  storeMissing: number;
  crmRows: number;
  /** Stored mids (every acknowledged one among them) with no CRM row. */
  crmMissing: number;
  /** CRM rows beyond the first for a mid. */
  crmDuplicates: number;
  /** CRM rows whose mid the store does not hold. */
  crmStrangers: number;
  met: boolean;
}

/**
 * Every acknowledged mid stored once and in the CRM once, mid by mid (each bench message's text
 * names its mid). The store's messages that were not acknowledged (a request the load generator
 * gave up on at its end) must reach the CRM once too.
 */
export async function exactlyOnceByMid(crm: CrmTestDatabase, store: BenchStore, acked: string[]): Promise<ExactlyOnce> {
  const stored = await store.mids();
  const storedRows = await store.count();
  const [rows] = await crm.admin.query(`SELECT message FROM \`${crm.database}\`.messages`);
  const inCrm = new Map<string, number>();
  for (const { message } of rows as Array<{ message: string }>) {
    const mid = /^bench message (\S+):/.exec(message)?.[1] ?? message;
    inCrm.set(mid, (inCrm.get(mid) ?? 0) + 1);
  }
  const count = (values: Iterable<number>) => [...values].reduce((sum, n) => sum + n, 0);
  const result = {
    acked: acked.length,
    stored: stored.size,
    storeDuplicates: storedRows - stored.size,
    storeMissing: acked.filter((mid) => !stored.has(mid)).length,
    crmRows: (rows as unknown[]).length,
    crmMissing: [...stored.keys()].filter((mid) => !inCrm.has(mid)).length,
    crmDuplicates: count([...inCrm.values()].map((n) => n - 1)),
    crmStrangers: [...inCrm.keys()].filter((mid) => !stored.has(mid)).length,
  };
  return { ...result, met: result.storeDuplicates + result.storeMissing + result.crmMissing + result.crmDuplicates + result.crmStrangers === 0 };
}

/** Rows in the CRM, and distinct message texts (each bench message's text names its mid). */
export async function crmCount(crm: CrmTestDatabase): Promise<CrmCount> {
  const [rows] = await crm.admin.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT message) AS d FROM \`${crm.database}\`.messages`);
  const [row] = rows as Array<{ n: number; d: number }>;
  return { rows: Number(row.n), distinct: Number(row.d) };
}

/**
 * Waits until the CRM holds every message the store holds (SQLite at a path, or any BenchStore),
 * once each (bounded). Returns the milliseconds it took, or null when it did not happen within
 * `timeoutMs`.
 */
export async function untilMirrored(crm: CrmTestDatabase, local: string | BenchStore, timeoutMs = 120_000): Promise<{ ms: number | null; count: CrmCount; local: number }> {
  const store = typeof local === 'string' ? sqliteStore(local) : local;
  const started = performance.now();
  // Polls a cheap COUNT(*) (a DISTINCT over the texts would load the CRM it measures). The store is
  // counted again each time: a request the load generator abandoned at its end may commit late.
  let rows = 0;
  let ms: number | null = null;
  while (performance.now() - started < timeoutMs) {
    rows = await crmRows(crm);
    if (rows >= (await store.count())) {
      ms = performance.now() - started;
      break;
    }
    await sleep(100);
  }
  const count = await crmCount(crm);
  const after = await store.count();
  const done = ms !== null && count.rows === after && count.distinct === after;
  return { ms: done ? ms : null, count, local: after };
}

/** Rows in the CRM table (a cheap COUNT(*)). */
export async function crmRows(crm: CrmTestDatabase): Promise<number> {
  const [rows] = await crm.admin.query(`SELECT COUNT(*) AS n FROM \`${crm.database}\`.messages`);
  return Number((rows as Array<{ n: number }>)[0].n);
}

/** Per message of `prefix`: ms from the 200 (SQLite received_at) to the CRM row (imported_at). */
export async function crmLags(crm: CrmTestDatabase, sqlitePath: string, prefix: string): Promise<number[]> {
  const [rows] = await crm.admin.query(
    `SELECT message, UNIX_TIMESTAMP(imported_at) * 1000 AS at FROM \`${crm.database}\`.messages WHERE message LIKE ?`,
    [`bench message ${prefix}.%`],
  );
  const received = sqliteMids(sqlitePath);
  const lags: number[] = [];
  for (const row of rows as Array<{ message: string; at: string | number }>) {
    const mid = /^bench message (\S+):/.exec(row.message)?.[1];
    const at = mid ? received.get(mid) : undefined;
    if (at !== undefined) lags.push(Number(row.at) - at);
  }
  return lags.sort((a, b) => a - b);
}

/** Milliseconds between the first and the last row the CRM imported (the drain itself). */
export async function importWindowMs(crm: CrmTestDatabase): Promise<number> {
  const [rows] = await crm.admin.query(`SELECT (UNIX_TIMESTAMP(MAX(imported_at)) - UNIX_TIMESTAMP(MIN(imported_at))) * 1000 AS ms FROM \`${crm.database}\`.messages`);
  return Number((rows as Array<{ ms: string | number }>)[0].ms);
}
