import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRIZZLE_KIT = join(ROOT, 'node_modules', '.bin', 'drizzle-kit');

/** Every file of a migrations folder, with its meta/ files. */
const files = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

/**
 * Runs `drizzle-kit generate` for one dialect into a copy of its committed migrations: nothing
 * new may come out, or a schema change was committed without its migration (`make generate`).
 */
async function generateInto(dialect: 'sqlite' | 'postgresql', schema: string, committed: string) {
  const copy = join(mkdtempSync(join(tmpdir(), 'igbridge-migrations-')), 'out');
  cpSync(join(ROOT, committed), copy, { recursive: true });
  // drizzle-kit wants the folder relative to where it runs; stdin closed, so a question it would ask fails.
  const { stdout, stderr } = await promisify(execFile)(DRIZZLE_KIT, ['generate', '--dialect', dialect, '--schema', schema, '--out', relative(ROOT, copy)], {
    cwd: ROOT,
    timeout: 60_000,
  }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? String(error) }));
  return { output: `${stdout}${stderr}`, before: files(join(ROOT, committed)), after: files(copy) };
}

describe('the committed migrations', () => {
  it.each([
    ['sqlite', './src/adapters/sqlite/schema.ts', 'drizzle'],
    ['postgresql', './src/adapters/postgres/schema.ts', 'drizzle-pg'],
  ] as const)('when drizzle-kit generates for %s from the schema, then there is nothing new to migrate', async (dialect, schema, committed) => {
    const { output, before, after } = await generateInto(dialect, schema, committed);
    expect(output).toContain('No schema changes, nothing to migrate');
    expect(after).toEqual(before);
  });
});
