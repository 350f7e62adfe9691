import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The TypeScript source of an `npm run` tool as a real process, through tsx (no build: fast),
 * e.g. `runCli('src/cli/crm-backfill.ts', env)`. Users run the compiled `dist/cli/<name>.js`
 * (package.json); system/fresh-clone.test.ts runs one npm script exactly that way.
 */
export function runCli(script: string, env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return runCliWithInput(script, env, null, ...args);
}

/** The same, with `input` on the process's stdin (then closed); null: stdin closed at once. */
export function runCliWithInput(script: string, env: Record<string, string>, input: string | null, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: 60_000,
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    child.stdin?.end(input ?? undefined);
  });
}
