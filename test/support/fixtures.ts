import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Meta's payload shapes. The project's shared copy (../shared/fixtures/instagram beside the
 * clone) is read when present, so a fixture added there is tested at once; the copy in
 * test/fixtures keeps a lone clone working.
 */
const SHARED = fileURLToPath(new URL('../../../shared/fixtures/instagram/', import.meta.url));
const LOCAL = fileURLToPath(new URL('../fixtures/instagram/', import.meta.url));
export const FIXTURE_DIR = existsSync(SHARED) ? SHARED : LOCAL;

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR).filter((name) => name.endsWith('.json')).sort();
}

/** The file's exact bytes, less a trailing newline (Meta's bodies have none). */
export function fixtureBytes(name: string): Buffer {
  const bytes = readFileSync(`${FIXTURE_DIR}${name.endsWith('.json') ? name : `${name}.json`}`);
  return bytes.at(-1) === 0x0a ? bytes.subarray(0, -1) : bytes;
}

export function fixture(name: string): any {
  return JSON.parse(fixtureBytes(name).toString('utf8'));
}
