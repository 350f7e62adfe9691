import type { Row } from './scenario.js';

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

const find = (rows: Row[], prefix: string) => rows.find((r) => r.scenario.startsWith(prefix));
const exactlyOnce = (r: Row) => r.extra !== undefined && r.extra.crmRows === r.extra.sqlite && r.extra.crmDistinct === r.extra.sqlite;

/** The `pair N: disabled|healthy (saturation only)` rows (run.ts, healthyPairs), as [healthy, disabled] req/s. */
function alternatedPairs(rows: Row[]): Array<[number, number]> {
  const pairs = new Map<string, { healthy?: number; disabled?: number }>();
  for (const r of rows) {
    const match = /^pair (\d+): (disabled|healthy) \(saturation only\)$/.exec(r.scenario);
    if (!match) continue;
    const pair = pairs.get(match[1]!) ?? {};
    pair[match[2] as 'healthy' | 'disabled'] = r.rps;
    pairs.set(match[1]!, pair);
  }
  return [...pairs.values()].flatMap(({ healthy, disabled }) => (healthy !== undefined && disabled !== undefined ? [[healthy, disabled] as [number, number]] : []));
}

/** The middle value (the mean of the two middle ones for an even count). */
function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A throughput ratio judged on the median of its alternated pairs, [numerator, denominator]
 * req/s each, every pair shown (one pair: shown alone).
 */
function pairedRatio(target: string, pairs: Array<[number, number]>, bar: number, alsoMet = true): Verdict {
  const ratios = pairs.map(([a, b]) => a / b);
  const median = medianOf(ratios);
  const each = pairs.map(([a, b], i) => `${Math.round(ratios[i]! * 100)} % (${Math.round(a)} / ${Math.round(b)})`).join(', ');
  const measured = pairs.length === 1 ? `${each} req/s` : `median ${Math.round(median * 100)} % of ${pairs.length} pairs: ${each} req/s`;
  return { target, measured, met: median >= bar && alsoMet };
}

/** The issue's targets, checked against this run's numbers (ratios within the same run). */
export function verdicts(rows: Row[]): Verdict[] {
  const out: Verdict[] = [];
  const base = find(rows, 'baseline');
  const disabled = find(rows, 'disabled');
  if (base && disabled) {
    const ratio = disabled.rps / base.rps;
    out.push({ target: 'disabled throughput ≥ 75 % of baseline', measured: `${Math.round(ratio * 100)} % (${Math.round(disabled.rps)} / ${Math.round(base.rps)} req/s)`, met: ratio >= 0.75 });
  }
  const healthyRow = find(rows, 'healthy');
  if (healthyRow && disabled) {
    // The main table's pair and the alternated ones (run.ts, healthyPairs).
    out.push(pairedRatio('healthy throughput ≥ 80 % of disabled', [[healthyRow.rps, disabled.rps], ...alternatedPairs(rows)], 0.8));
  }
  const paired = rows.filter((r) => r.scenario.startsWith('pair '));
  if (paired.length > 0) {
    const non2xx = paired.reduce((sum, r) => sum + r.non2xx, 0);
    const missing = paired.reduce((sum, r) => sum + r.missing, 0);
    const acked = paired.reduce((sum, r) => sum + r.acked, 0);
    out.push({ target: 'the alternated pairs: zero non-2xx, every acknowledged message in SQLite', measured: `${non2xx} non-2xx, ${missing} of ${acked} missing`, met: non2xx === 0 && missing === 0 });
  }
  for (const name of ['healthy', 'refused', 'hanging', 'locked']) {
    const r = find(rows, name);
    if (!r) continue;
    if (disabled) {
      const limit = 1.25 * disabled.p99;
      out.push({ target: `${name}: p99 at ${'fixed rate'} ≤ 1.25 × disabled p99 (${limit.toFixed(1)} ms)`, measured: `${r.p99} ms`, met: r.p99 <= limit });
    }
    out.push({ target: `${name}: zero non-2xx, every acknowledged message in SQLite`, measured: `${r.non2xx} non-2xx, ${r.missing} of ${r.acked} missing`, met: r.non2xx === 0 && r.missing === 0 });
    out.push({ target: `${name}: the CRM ends with every message exactly once`, measured: r.extra ? `${r.extra.crmRows} rows, ${r.extra.crmDistinct} distinct, ${r.extra.sqlite} in SQLite` : 'n/a', met: exactlyOnce(r) });
  }
  const healthy = find(rows, 'healthy');
  if (healthy?.lag) out.push({ target: 'healthy: CRM lag p99 ≤ 1 s at the fixed rate', measured: `p50 ${healthy.lag.p50} ms, p99 ${healthy.lag.p99} ms`, met: healthy.lag.p99 <= 1000 });
  const catchUp = find(rows, 'catch-up');
  if (catchUp) {
    const drainRate = Number(catchUp.extra?.drainRate ?? 0);
    out.push({ target: 'catch-up ≥ 20,000 messages/s into the CRM (first to last CRM row), exactly once', measured: `${drainRate.toLocaleString('en')} msg/s (${catchUp.extra?.sqlite} rows in ${fmtMs(Number(catchUp.extra?.drainMs))}; ${fmtMs(catchUp.caughtUpMs)} from the CRM's return, retry wait included), exactly once: ${exactlyOnce(catchUp) ? 'yes' : 'NO'}`, met: drainRate >= 20_000 && exactlyOnce(catchUp) && catchUp.missing === 0 });
  }
  const rss = find(rows, 'rss');
  if (rss) out.push({ target: `peak RSS ≤ 250 MB while ${rss.acked.toLocaleString('en')} messages wait (target: 100,000)`, measured: `${Math.round(rss.peakRssMb)} MB`, met: rss.peakRssMb <= 250 && rss.missing === 0 });
  const slow = find(rows, 'slow bodies');
  if (slow?.extra) {
    for (const kind of ['unsigned', 'forged']) {
      const delta = Number(slow.extra[`${kind}.rssDeltaMb`]);
      out.push({ target: `slow bodies (${kind} signature): RSS grows < 100 MiB`, measured: `+${delta} MiB (from ${slow.extra[`${kind}.rssBeforeMb`]} MiB)`, met: delta < 100 });
      const max = Number(slow.extra[`${kind}.probeMaxMs`]);
      const statuses = String(slow.extra[`${kind}.probeStatuses`]);
      // Issue 9's target is the unsigned attack: 200 in < 100 ms. Forged signatures are only found
      // out once a body is whole, so stalled forged bodies fill the in-flight budget and the
      // documented answer meanwhile is a fast 503 with Retry-After (Meta retries).
      const allowed = kind === 'unsigned' ? ['200'] : ['200', '503'];
      const wanted = kind === 'unsigned' ? '200' : '200, or 503 + Retry-After while the budget is full,';
      out.push({ target: `slow bodies (${kind} signature): a signed webhook during the attack answered ${wanted} in < 100 ms`, measured: `p50 ${slow.extra[`${kind}.probeP50Ms`]} ms, max ${max} ms, statuses ${statuses}`, met: max < 100 && statuses.split(',').every((status) => allowed.includes(status)) });
    }
  }
  const attackedStreams = find(rows, 'event streams');
  if (attackedStreams?.extra) {
    const cost = Number(attackedStreams.extra.costPercent);
    out.push({ target: 'event streams: 3,000 attempts during a burst cost < 10 % of webhook throughput', measured: `${cost} % (${attackedStreams.extra.attackedRps} vs ${attackedStreams.extra.aloneRps} req/s alone)`, met: cost < 10 });
  }
  out.push(...scaleVerdicts(rows), ...instancesVerdicts(rows));
  return out;
}

/** Issue 17's target: two instances on PostgreSQL ≥ 1.6 × one, with the same exactly-once verdict. */
function instancesVerdicts(rows: Row[]): Verdict[] {
  const out: Verdict[] = [];
  const runs = rows.filter((r) => r.scenario.startsWith('two-instances'));
  // Each PostgreSQL set-up may have run in several alternating rounds: their mean.
  const mean = (prefix: string) => {
    const of = runs.filter((r) => r.scenario.startsWith(prefix)).map((r) => r.rps);
    return of.length === 0 ? null : { rps: of.reduce((a, b) => a + b, 0) / of.length, each: of.map(Math.round).join(', ') };
  };
  const one = mean('two-instances: PostgreSQL, 1');
  const two = mean('two-instances: PostgreSQL, 2');
  if (one && two) {
    const ratio = two.rps / one.rps;
    out.push({ target: 'two-instances: 2 instances on PostgreSQL ≥ 1.6 × the throughput of 1', measured: `${ratio.toFixed(2)} × (mean ${Math.round(two.rps)} req/s [${two.each}] / ${Math.round(one.rps)} req/s [${one.each}])`, met: ratio >= 1.6 });
  }
  for (const r of runs) {
    const e = r.extra ?? {};
    const name = r.scenario.replace('two-instances: ', '');
    out.push({
      target: `two-instances (${name}): every acknowledged mid once in the store and once in the CRM, zero non-2xx`,
      measured: `${r.acked} acknowledged, ${r.non2xx} non-2xx; store: ${r.missing} missing, ${e.storeDuplicates} duplicates; CRM: ${e.crmMissing} missing, ${e.crmDuplicates} duplicates, ${e.crmStrangers} unknown (${e.crmRows} rows, ${e.sqlite} stored)`,
      met: e.exactlyOnce === 'yes' && r.non2xx === 0,
    });
    out.push({
      target: `two-instances (${name}): CRM catch-up after the saturation load (reported)`,
      measured: `${fmtMs(r.caughtUpMs)} for a backlog of ${Number(e.backlogAtLoadEnd).toLocaleString('en')}; saturation p99 ${e.satP99} ms`,
      met: r.caughtUpMs !== null && r.caughtUpMs !== undefined,
    });
  }
  return out;
}

/** Issue 10's targets: a big database under readers, and a flood of new customers. */
function scaleVerdicts(rows: Row[]): Verdict[] {
  const out: Verdict[] = [];
  const big = find(rows, 'big');
  if (big?.extra) {
    const e = big.extra as Record<string, number>;
    out.push({ target: 'big: webhook p99 with 8 readers ≤ 1.5 × its p99 with none', measured: `${big.p99} ms vs ${e.p99Alone} ms alone (bar ${(1.5 * e.p99Alone).toFixed(1)} ms)`, met: big.p99 <= 1.5 * e.p99Alone && big.non2xx === 0 });
    out.push({ target: 'big: conversation list (limit=200) p99 ≤ 25 ms', measured: `p50 ${e.listP50} ms, p99 ${e.listP99} ms (${e.lists} lists)`, met: e.listP99 <= 25 });
    out.push({ target: 'big: thread page p99 ≤ 10 ms', measured: `p50 ${e.threadP50} ms, p99 ${e.threadP99} ms (${e.threads} pages)`, met: e.threadP99 <= 10 });
    out.push({ target: 'big: CPU while the readers read (reported)', measured: `igbridge ${e.serviceCores} cores, the readers' process ${e.readerCores}, the machine ${e.machineCores}`, met: true });
    const ms = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '—' : `${value} ms`);
    out.push({ target: 'big: how late the webhook generator itself sent, p99 (its own scheduling on the shared cores; reported)', measured: `${ms(e.lateAlone)} alone, ${ms(e.lateReaders)} with readers`, met: true });
    out.push({ target: 'big: inside the service, p99 (its request-duration histogram; reported)', measured: `webhook ${ms(e.insideWebhookAlone)} alone, ${ms(e.insideWebhookReaders)} with readers; list ${ms(e.insideList)}; thread page ${ms(e.insideThread)}`, met: true });
    out.push({ target: 'big: read pages answered from the read cache (reported)', measured: `${Math.round((100 * e.cacheHits) / Math.max(1, e.cacheHits + e.cacheMisses))} % (${e.cacheHits} of ${e.cacheHits + e.cacheMisses})`, met: true });
    if (e.floorReaders !== undefined) {
      out.push({
        target: 'big: the same phases against the floor, a server whose reads cost nothing (bench/floor-server.ts: the same pages\' bytes, the same fsync per webhook; reported — what this machine allows these clients in this run)',
        measured: `webhook p99 ${e.floorReaders} ms with readers vs ${e.floorAlone} ms alone (${(e.floorReaders / e.floorAlone).toFixed(2)} ×); thread page p99 ${e.floorThreadP99} ms, list ${e.floorListP99} ms (${e.floorLists} lists; readers ${e.floorReaderCores} cores)`,
        met: true,
      });
    }
    out.push({ target: 'big: start-up ≤ 3 s', measured: `${(e.startupMs / 1000).toFixed(2)} s (spawn of node dist/main.js to /healthz)`, met: e.startupMs <= 3000 });
    out.push({ target: 'big: bytes per stored message (reported)', measured: `${e.bytesPerMessage} B (seeded in ${e.seedSeconds} s)`, met: true });
  }
  const fresh = find(rows, 'new-customers');
  if (fresh?.extra) {
    const e = fresh.extra as Record<string, number>;
    // Every alternated pair (scale.ts, newCustomers); a row without them is one pair.
    const pairs = typeof fresh.extra.pairs === 'string' ? (JSON.parse(fresh.extra.pairs) as Array<[number, number]>) : [[fresh.rps, e.rpsNoToken] as [number, number]];
    out.push(pairedRatio('new-customers: throughput with a token ≥ 85 % of without', pairs, 0.85, fresh.non2xx === 0 && fresh.missing === 0));
    out.push({ target: `new-customers: profile calls per second ≤ PROFILE_LOOKUPS_PER_S (${e.budget})`, measured: `busiest second ${e.busiestSecond} calls; ${e.profileCalls} calls in ${e.profileSeconds} s`, met: e.busiestSecond <= e.budget });
  }
  return out;
}

function fmtMs(ms: number | null | undefined): string {
  if (ms === undefined) return '—';
  if (ms === null) return 'never (timed out)';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function crmColumn(r: Row): string {
  if (r.lag) return `lag p50 ${r.lag.p50} ms / p99 ${r.lag.p99} ms`;
  if (r.caughtUpMs !== undefined) {
    const rate = r.extra?.drainRate ? ` (drain ${Number(r.extra.drainRate).toLocaleString('en')} msg/s)` : '';
    return `all ${exactlyOnce(r) ? 'exactly once' : 'NOT exactly once'} ${fmtMs(r.caughtUpMs)} after ${r.caughtUpFrom ?? 'it came back'}${rate}`;
  }
  return r.crm === 'healthy' ? 'healthy' : '—';
}

export function render(rows: Row[], checks: Verdict[], machine: Record<string, string>): string {
  const lines = [
    '# igbridge bench results',
    '',
    `Run ${new Date().toISOString()} · ${machine.cpus} · ${machine.memory} · Node ${machine.node} · MariaDB ${machine.mariadb} · load average before ${machine.load}, after ${machine.loadAfter} · ${machine.minutes} min`,
    '',
    'req/s: saturation (16 connections). p50/p99/max: latency at the fixed rate. non-2xx includes connection errors. missing: 2xx answers whose message is not in the store (SQLite, or PostgreSQL for two-instances). backlog rows: the webhook load that built the backlog.',
    '',
    '| scenario | req/s | p50 ms | p99 ms | max ms | non-2xx | missing | peak RSS MB | CRM |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.scenario} | ${Math.round(r.rps).toLocaleString('en')} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.non2xx} | ${r.missing} / ${r.acked.toLocaleString('en')} | ${Math.round(r.peakRssMb)} | ${crmColumn(r)} |`),
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`),
    ...cpuTable(rows),
    '',
    `Service exit codes on SIGTERM: ${machine.exitCodes}`,
  ];
  return lines.join('\n');
}

/** A latency cell: — for a row with no fixed-rate phase. */
const ms = (value: number) => (Number.isNaN(value) ? '—' : String(value));

/** Where the CPU went during saturation, for the scenarios that sampled it (bench/cpu.ts): cores, and CPU µs per request. */
function cpuTable(rows: Row[]): string[] {
  const sampled = rows.filter((r) => r.extra && 'cpu.machine' in r.extra);
  if (sampled.length === 0) return [];
  const groups = ['igbridge', 'postgres', 'mariadb', 'load generator', 'other', 'machine'];
  const cell = (r: Row, group: string) => {
    const cores = Number(r.extra![`cpu.${group}`]);
    return `${cores.toFixed(2)} (${Math.round((cores * 1e6) / r.rps)} µs)`;
  };
  return [
    '',
    'CPU during saturation, in cores of the machine (and CPU µs per request); "other" is everything else running on the machine.',
    '',
    `| scenario | ${groups.join(' | ')} |`,
    `|---|${groups.map(() => '---:').join('|')}|`,
    ...sampled.map((r) => `| ${r.scenario} | ${groups.map((group) => cell(r, group)).join(' | ')} |`),
  ];
}
