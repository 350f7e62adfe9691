import { readFileSync } from 'node:fs';

/**
 * Summarises a `.cpuprofile` written by `BENCH_CPU_PROF` (node --cpu-prof): the functions with the
 * most self and inclusive time over the profile's last `seconds` (the phase that ended it — in
 * `big`, the eight readers), and the event loop's phases as runs of samples: `check` (setImmediate:
 * read turns, the group commit), `io` (sockets: parsing requests, webhooks), `gc`, `idle`.
 * The sampler records wall time: a thread descheduled by another process shows in whatever it was running.
 * Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [seconds=10] [top=25] [from]
 * `from`: the window starts that many seconds after the profile's start instead of ending at its
 * end (a scenario's saturation, e.g. `healthy`'s: about 3 s after the service started).
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

function main(file: string, seconds: number, top: number, fromSeconds?: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const root = profile.nodes[0]!.id;
  const name = (id: number) => {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    return `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${lineNumber + 1}`;
  };
  const phaseOf = (id: number) => {
    let at = id;
    while (parent.get(at) !== undefined && parent.get(at) !== root) at = parent.get(at)!;
    const outer = nodes.get(at)!.callFrame.functionName;
    return ({ processImmediate: 'check', '(garbage collector)': 'gc', '(idle)': 'idle', '(program)': 'program' } as Record<string, string>)[outer] ?? 'io';
  };

  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const from = fromSeconds === undefined ? times.at(-1)! - seconds * 1e6 : profile.startTime + fromSeconds * 1e6;
  const until = from + seconds * 1e6;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const runs = new Map<string, number[]>();
  let total = 0;
  let run = { phase: '', us: 0 };
  profile.samples.forEach((id, i) => {
    if (times[i]! < from || times[i]! > until) return;
    const us = (times[i + 1] ?? times[i]!) - times[i]!;
    total += us;
    self.set(name(id), (self.get(name(id)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(name(at));
    for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    const phase = phaseOf(id);
    if (phase === run.phase) run.us += us;
    else {
      if (run.phase) runs.set(run.phase, [...(runs.get(run.phase) ?? []), run.us / 1000]);
      run = { phase, us };
    }
  });

  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const list = (title: string, map: Map<string, number>) => {
    console.log(`${title} (of ${(total / 1e6).toFixed(2)} s)`);
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${key}`);
  };
  list('self', self);
  list('inclusive', inclusive);
  console.log('phases: runs of consecutive samples, ms');
  for (const [phase, lengths] of runs) {
    const sorted = lengths.sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(1);
    console.log(`${phase.padEnd(8)} ${(sorted.reduce((a, b) => a + b, 0) / 1000).toFixed(2)} s in ${sorted.length} runs: p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}, max ${at(1)}`);
  }
}

main(process.argv[2]!, Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 25), process.argv[5] === undefined ? undefined : Number(process.argv[5]));
