import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './child-service.js';

/**
 * The compiled service and tools, as `make run` and the npm scripts start them (`node dist/…`, no
 * TypeScript loader): the tests that run them as real processes run these. The integrated tests'
 * global setup builds them first (buildIfStale).
 */
export const COMPILED_MAIN = join(ROOT, 'dist/main.js');

/** `dist/cli/<name>.js`: the tool `npm run <name>` runs (e.g. `crm-backfill` for `npm run crm:backfill`). */
export function compiledTool(name: 'accounts' | 'crm-backfill' | 'crm-check' | 'history-import' | 'simulate'): string {
  return join(ROOT, 'dist/cli', `${name}.js`);
}

/** scripts/ensure-build.sh: compiles src/ to dist/ when it is missing or older than a source (as the npm scripts do). */
export function buildIfStale(): void {
  execFileSync('bash', [join(ROOT, 'scripts/ensure-build.sh')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
}
