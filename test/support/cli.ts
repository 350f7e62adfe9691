import { execFile } from 'node:child_process';
import { ROOT } from './child-service.js';
import { compiledTool } from './compiled.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * An `npm run` tool as a real process, compiled as users run it (`node dist/cli/<name>.js`,
 * support/compiled.ts), e.g. `runCli('crm-backfill', env)`; only PATH and HOME of this process's
 * environment are passed on. system/fresh-clone.test.ts runs one through npm itself.
 */
export function runCli(tool: Tool, env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return runCliWithInput(tool, env, null, ...args);
}

type Tool = Parameters<typeof compiledTool>[0];

/** The same, with `input` on the process's stdin (then closed); null: stdin closed at once. */
export function runCliWithInput(tool: Tool, env: Record<string, string>, input: string | null, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [compiledTool(tool), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: 60_000,
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    child.stdin?.end(input ?? undefined);
  });
}
