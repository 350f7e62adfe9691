import { loadavg } from 'node:os';
import mysql from 'mysql2/promise';
import { CrmStatements } from '../src/adapters/mysql/crm-statements.js';
import { toCrmRow, type CrmRow } from '../src/adapters/mysql/crm-table.js';
import { DEFAULT_CRM_MAPPING } from '../src/domain/crm-mapping.js';
import type { Message } from '../src/domain/message.js';
import { createCrmDatabase } from '../test/support/mysql.js';

/**
 * Micro-benchmark of the CRM's batch INSERT: what building and running one CRM_BATCH_SIZE batch
 * costs: formatted with mysql2's `values ?` (the writer before issue 12), built by Drizzle's
 * builder for every batch (`CrmStatements.buildInsert`), or cut for any size from Drizzle's texts
 * for one, two and three rows (`CrmStatements.insert`, what the writer runs). Against the local MariaDB, in a database of
 * its own (the test suite's table), on one connection set up like the pool's.
 *
 * Each round runs every variant once, in turn, starting with the next one each round (so load
 * on the machine hits them alike):
 * - build: CPU only, the statement built and formatted as mysql2 would send it (µs per batch);
 * - run: build + INSERT of BATCHES batches, rows per second into the CRM.
 * The catch-up target (make bench) is ≥ 20,000 msg/s end to end: 25 ms per 500-row batch,
 * SQLite's outbox work included.
 *
 * Usage: nice -n 19 node --import tsx bench/crm-insert.ts [rows per batch=500] [batches=40] [rounds=5]
 */
const [size = 500, batches = 40, rounds = 5] = process.argv.slice(2).map(Number);
const TABLE = 'messages';

type Variant = { name: string; build: (rows: CrmRow[]) => { sql: string; params: unknown[] } };

async function main(): Promise<void> {
  const crm = await createCrmDatabase();
  const connection = await mysql.createConnection({
    host: crm.host, port: crm.port, user: crm.user, password: crm.password, database: crm.database,
    charset: 'UTF8MB4_UNICODE_CI', timezone: 'Z', dateStrings: true,
  });
  try {
    await connection.query("SET time_zone = '+00:00'");
    const statements = new CrmStatements(TABLE, DEFAULT_CRM_MAPPING);
    const fields = statements.fields;
    const columns = fields.map((field) => `\`${DEFAULT_CRM_MAPPING.columns[field]}\``).join(', ');
    const variants: Variant[] = [
      {
        name: 'raw mysql2 values ?',
        build: (rows) => ({ sql: `insert into ?? (${columns}) values ?`, params: [TABLE, rows.map((row) => fields.map((field) => row[field]))] }),
      },
      { name: 'drizzle builder, every batch', build: (rows) => statements.buildInsert(rows, false) },
      { name: 'drizzle, its text cut for any size (the writer)', build: (rows) => statements.insert(rows, false) },
    ];
    const rows = sampleRows(size);
    const results = new Map(variants.map((v) => [v.name, { buildUs: [] as number[], rowsPerS: [] as number[] }]));
    for (let round = 0; round < rounds; round++) {
      // Each round starts with the next variant, so none always runs first or after the same one.
      for (const variant of [...variants.slice(round % variants.length), ...variants.slice(0, round % variants.length)]) {
        const result = results.get(variant.name)!;
        result.buildUs.push(buildMicros(variant, rows));
        await connection.query(`TRUNCATE TABLE \`${TABLE}\``);
        const started = performance.now();
        for (let b = 0; b < batches; b++) {
          const { sql, params } = variant.build(rows);
          await connection.query(sql, params);
        }
        result.rowsPerS.push((batches * size) / ((performance.now() - started) / 1000));
      }
    }
    const [[count]] = (await connection.query(`SELECT COUNT(*) AS n FROM \`${TABLE}\``)) as unknown as [[{ n: number }]];
    if (Number(count.n) !== batches * size) throw new Error(`expected ${batches * size} rows, found ${count.n}`);
    console.log(`CRM batch INSERT, ${size} rows per batch, ${batches} batches per run, ${rounds} rounds (median; load average ${loadAverage()})`);
    console.log('| variant | build + format (µs per batch) | build + INSERT (rows/s) |');
    console.log('|---|---|---|');
    for (const [name, result] of results) {
      console.log(`| ${name} | ${Math.round(median(result.buildUs)).toLocaleString('en')} | ${Math.round(median(result.rowsPerS)).toLocaleString('en')} |`);
    }
  } finally {
    await connection.end();
    await crm.drop();
  }
}

/** The CPU a batch costs before it is sent: built, then formatted with its values as mysql2 does. */
function buildMicros(variant: Variant, rows: CrmRow[]): number {
  const repeat = 50;
  for (let i = 0; i < 10; i++) mysql.format(variant.build(rows).sql, variant.build(rows).params as never);
  const started = performance.now();
  for (let i = 0; i < repeat; i++) {
    const { sql, params } = variant.build(rows);
    mysql.format(sql, params as never);
  }
  return ((performance.now() - started) * 1000) / repeat;
}

function sampleRows(count: number): CrmRow[] {
  const at = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => toCrmRow({
    mid: `bench.${i}`, accountId: '17841400000000001', customerId: String(5_000_000_000_000_000 + (i % 50)),
    direction: i % 3 === 2 ? 'out' : 'in', text: `Hi, is item ${i % 977} still available in size M? (bench ${i})`,
    attachments: [], sentAt: at + i, editedAt: null, deletedAt: null,
  } as unknown as Message, null, DEFAULT_CRM_MAPPING));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function loadAverage(): string {
  return loadavg().map((n) => n.toFixed(2)).join(', ');
}

await main();
