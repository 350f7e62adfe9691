import { join } from 'node:path';
import { createPgDatabase, type PgTestDatabase } from '../test/support/postgres.js';
import { coresUsed, sampleCpu, type CpuSample } from './cpu.js';
import { crmRows, exactlyOnceByMid, freshCrm, untilMirrored } from './crm.js';
import type { ChildService } from './processes.js';
import { crmState, discard, drive, startIgbridge, stopChecked, workspace, type Row } from './scenario.js';
import { pgStore, sqliteStore, type BenchStore } from './stores.js';

/**
 * `two-instances` (issue 17, SPEC §14): the same load on SQLite alone, on one instance with
 * PostgreSQL, and on two instances sharing one PostgreSQL database, each with the CRM mirror on
 * into a fresh MariaDB database (and a fresh PostgreSQL database per run). Two instances get the
 * load generator's connections in turn (autocannon's several URLs: connection i goes to instance
 * i mod 2) — what a round-robin TCP balancer does, without a balancer's hop and CPU on this machine.
 *
 * Per run: saturation req/s; p99 at saturation and at the fixed rate; CRM catch-up (from the end
 * of the saturation load until the CRM holds every stored message once); and, at the end, the
 * exactly-once check mid by mid. Where the CPU went during saturation is kept too (bench/cpu.ts).
 */
export interface InstancesSetup {
  key: string;
  name: string;
  instances: number;
  postgres: boolean;
}

export const SETUPS: InstancesSetup[] = [
  { key: 'sqlite-1', name: 'SQLite, 1 instance', instances: 1, postgres: false },
  { key: 'pg-1', name: 'PostgreSQL, 1 instance', instances: 1, postgres: true },
  { key: 'pg-2', name: 'PostgreSQL, 2 instances', instances: 2, postgres: true },
];
/** BENCH_TWO_ONLY=pg-1,pg-2 runs only those set-ups (while looking into one). */
const only = process.env.BENCH_TWO_ONLY?.split(',');
/**
 * The PostgreSQL set-ups run this many times each, alternating (1, 2, 1, 2…), so that a drift in
 * the machine's speed falls on both; the verdict compares their means (bench/report.ts).
 */
const ROUNDS = Number(process.env.BENCH_TWO_ROUNDS ?? 2);

const CATCH_UP_TIMEOUT_MS = 180_000;

export async function twoInstances(): Promise<Row[]> {
  const chosen = SETUPS.filter((setup) => !only || only.includes(setup.key));
  const runs = [
    ...chosen.filter((setup) => !setup.postgres).map((setup) => ({ setup, round: 0 })),
    ...Array.from({ length: ROUNDS }, (_, i) => chosen.filter((setup) => setup.postgres).map((setup) => ({ setup, round: ROUNDS > 1 ? i + 1 : 0 }))).flat(),
  ];
  const rows: Row[] = [];
  for (const { setup, round } of runs) {
    process.stderr.write(`  … ${setup.name}${round ? `, round ${round}` : ''}\n`);
    rows.push(await measure(setup, round));
  }
  return rows;
}

async function measure(setup: InstancesSetup, round: number): Promise<Row> {
  const key = round ? `${setup.key}.${round}` : setup.key;
  const ws = workspace(`two-instances-${key}`);
  const crm = await freshCrm();
  let pg: PgTestDatabase | undefined;
  let store: BenchStore | undefined;
  const services: ChildService[] = [];
  try {
    pg = setup.postgres ? await createPgDatabase() : undefined;
    for (let i = 0; i < setup.instances; i++) {
      const env = pg ? { ...crm.env, DATABASE_URL: pg.url, SQLITE_PATH: join(ws.dir, `unused-${i}.db`) } : crm.env;
      services.push(await startIgbridge(ws, env, join(ws.dir, `service-${i}.log`)));
    }
    for (const service of services) await crmState(service.url, 'ok');
    store = pg ? await pgStore(pg.url) : sqliteStore(ws.sqlitePath);

    let before: CpuSample | undefined;
    let cpu: Record<string, number> = {};
    let catchUp: Awaited<ReturnType<typeof untilMirrored>> | undefined;
    let backlog = 0;
    const pids = { igbridge: services.map((s) => s.pid) };
    const phases = await drive(`two-${key}`, ws, { url: services.map((s) => s.url) }, {
      beforeSaturation: () => void (before = sampleCpu(pids)),
      afterSaturation: async () => {
        cpu = coresUsed(before!, sampleCpu(pids));
        backlog = (await store!.count()) - (await crmRows(crm));
        catchUp = await untilMirrored(crm, store!, CATCH_UP_TIMEOUT_MS);
      },
    });
    // The fixed rate's messages too, then every acknowledged mid, one by one.
    const final = await untilMirrored(crm, store, CATCH_UP_TIMEOUT_MS);
    const check = await exactlyOnceByMid(crm, store, phases.acked);
    const { saturation, fixed } = phases;
    return {
      scenario: `two-instances: ${setup.name}${round ? ` (round ${round})` : ''}`,
      rps: saturation.rps,
      p50: fixed.p50,
      p99: fixed.p99,
      max: fixed.max,
      non2xx: saturation.non2xx + fixed.non2xx + saturation.errors + fixed.errors,
      missing: check.storeMissing,
      acked: check.acked,
      peakRssMb: Math.max(...services.map((s) => s.peakRssMb())),
      crm: 'healthy',
      caughtUpMs: catchUp?.ms ?? null,
      caughtUpFrom: 'the end of the saturation load',
      extra: {
        instances: setup.instances,
        store: setup.postgres ? 'PostgreSQL' : 'SQLite',
        satP50: saturation.p50,
        satP99: saturation.p99,
        backlogAtLoadEnd: backlog,
        finalMirroredMs: final.ms === null ? 'never' : Math.round(final.ms),
        crmRows: check.crmRows,
        crmDistinct: check.crmRows - check.crmDuplicates,
        sqlite: check.stored,
        storeDuplicates: check.storeDuplicates,
        crmMissing: check.crmMissing,
        crmDuplicates: check.crmDuplicates,
        crmStrangers: check.crmStrangers,
        exactlyOnce: check.met ? 'yes' : 'no',
        ...Object.fromEntries(Object.entries(cpu).map(([group, cores]) => [`cpu.${group}`, cores])),
      },
    };
  } finally {
    for (const [i, service] of services.entries()) await stopChecked(service, `two-instances ${key} #${i + 1}`);
    await store?.close().catch(() => {});
    await pg?.drop().catch((error: Error) => process.stderr.write(`  could not drop ${pg?.name}: ${error.message}\n`));
    await crm.drop();
    discard(ws);
  }
}
