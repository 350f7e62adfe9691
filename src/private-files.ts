import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

export interface LooseModeWarning {
  path: string;
  /** The mode found, e.g. `0644`. */
  mode: string;
  /** The mode it should have: `0600` for files, `0700` for folders. */
  wanted: string;
  msg: string;
}

/**
 * Existing files among `paths` that other local users can read (group or other bits set): the
 * `.env` holds every secret, the database every DM. Missing paths are skipped.
 */
export function looseModeWarnings(paths: string[]): LooseModeWarning[] {
  const warnings: LooseModeWarning[] = [];
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if ((stat.mode & 0o077) === 0) continue;
    const mode = `0${(stat.mode & 0o777).toString(8)}`;
    const wanted = stat.isDirectory() ? '0700' : '0600';
    warnings.push({ path, mode, wanted, msg: `${path} is readable by other local users (mode ${mode}); run: chmod ${wanted.slice(1)} ${path}` });
  }
  return warnings;
}

/** The SQLite database's folder and files (none for `:memory:`). */
export function sqliteFiles(path: string): string[] {
  return path === ':memory:' ? [] : [dirname(path), path, `${path}-wal`, `${path}-shm`];
}

/** One start-up warning per file or folder among `paths` that other local users can read. */
export function warnLooseModes(paths: string[], logger: Pick<Logger, 'warn'>): void {
  for (const warning of looseModeWarnings(paths)) logger.warn(warning, warning.msg);
}
