import Database from 'better-sqlite3';
import { createCrmDatabase, type CrmTestDatabase } from '../test/support/mysql.js';
import { sleep } from './processes.js';

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

/** Rows in the CRM, and distinct message texts (each bench message's text names its mid). */
export async function crmCount(crm: CrmTestDatabase): Promise<CrmCount> {
  const [rows] = await crm.admin.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT message) AS d FROM \`${crm.database}\`.messages`);
  const [row] = rows as Array<{ n: number; d: number }>;
  return { rows: Number(row.n), distinct: Number(row.d) };
}

export function sqliteMids(path: string): Map<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT mid, received_at AS at FROM messages').all() as Array<{ mid: string; at: number }>;
    return new Map(rows.map((r) => [r.mid, r.at]));
  } finally {
    db.close();
  }
}

export function sqliteCount(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
  } finally {
    db.close();
  }
}

/**
 * Waits until the CRM holds every message SQLite holds, once each (bounded). Returns the
 * milliseconds it took, or null when it did not happen within `timeoutMs`.
 */
export async function untilMirrored(crm: CrmTestDatabase, sqlitePath: string, timeoutMs = 120_000): Promise<{ ms: number | null; count: CrmCount; local: number }> {
  const started = performance.now();
  // Polls a cheap COUNT(*) (a DISTINCT over the texts would load the CRM it measures). SQLite is
  // counted again each time: a request the load generator abandoned at its end may commit late.
  let rows = 0;
  let ms: number | null = null;
  while (performance.now() - started < timeoutMs) {
    rows = await crmRows(crm);
    if (rows >= sqliteCount(sqlitePath)) {
      ms = performance.now() - started;
      break;
    }
    await sleep(100);
  }
  const count = await crmCount(crm);
  const after = sqliteCount(sqlitePath);
  const done = ms !== null && count.rows === after && count.distinct === after;
  return { ms: done ? ms : null, count, local: after };
}

async function crmRows(crm: CrmTestDatabase): Promise<number> {
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

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Milliseconds between the first and the last row the CRM imported (the drain itself). */
export async function importWindowMs(crm: CrmTestDatabase): Promise<number> {
  const [rows] = await crm.admin.query(`SELECT (UNIX_TIMESTAMP(MAX(imported_at)) - UNIX_TIMESTAMP(MIN(imported_at))) * 1000 AS ms FROM \`${crm.database}\`.messages`);
  return Number((rows as Array<{ ms: string | number }>)[0].ms);
}
