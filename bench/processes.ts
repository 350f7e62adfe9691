import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT } from '../test/support/child-service.js';
import type { LoadOptions, LoadResult } from './load.js';

export { freePort, peakRssMb, ROOT, sleep, startChild, type ChildService } from '../test/support/child-service.js';

/** Runs bench/load.ts in its own process and returns its numbers and the mids answered 2xx. */
export async function runLoad(options: LoadOptions): Promise<LoadResult & { acked: number[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult;
  return { ...result, acked: JSON.parse(readFileSync(options.ackFile, 'utf8')) as number[] };
}
