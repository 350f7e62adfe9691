import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const FORBIDDEN = /^(koa|@koa\/|drizzle-orm|drizzle-kit|better-sqlite3|mysql2|pg(\/|$)|pino|prom-client)/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(path: string): string[] {
  const source = readFileSync(path, 'utf8');
  return [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

/** The adapters that drive the application (HTTP requests, the history timer): they call use cases. */
const DRIVING = ['adapters/http', 'adapters/history'];

/**
 * What a file in `folder` (e.g. `adapters/mysql`) may import from src. A driving adapter also
 * sees the use cases it calls (`application/<name>.js`), never their internals or an adapter.
 */
function adapterMayImport(folder: string, target: string): boolean {
  if (target.startsWith(`${folder}/`)) return true;
  if (/^(application\/ports|domain)\//.test(target) || ['config.js', 'tokens.js'].includes(target)) return true;
  return DRIVING.includes(folder) && /^application\/[^/]+\.js$/.test(target);
}

describe('the hexagon', () => {
  for (const layer of ['domain', 'application']) {
    it(`when ${layer}/ imports, then never a framework, a driver or an adapter`, () => {
      const leaks = files(join(SRC, layer)).flatMap((file) =>
        imports(file)
          .filter((spec) => FORBIDDEN.test(spec) || /(^|\/)adapters\//.test(spec) || /\.\.\/(\.\.\/)*(container|main|server)\.js$/.test(spec))
          .map((spec) => `${relative(SRC, file)} → ${spec}`),
      );
      expect(leaks).toEqual([]);
    });
  }

  it('when the domain imports, then only other domain files', () => {
    const outside = files(join(SRC, 'domain')).flatMap((file) =>
      imports(file).filter((spec) => !spec.startsWith('./')).map((spec) => `${relative(SRC, file)} → ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  it('when adapters are imported, then only by the composition root and the entry points', () => {
    const importers = files(SRC)
      .filter((file) => !relative(SRC, file).startsWith('adapters/'))
      .filter((file) => imports(file).some((spec) => spec.includes('adapters/')))
      .map((file) => relative(SRC, file))
      .filter((file) => !['container.ts', 'lifecycle.ts', 'server.ts'].includes(file) && !file.startsWith('cli/'));
    expect(importers).toEqual([]);
  });

  it('when an adapter imports, then only ports, the domain, config, tokens and its own folder — never another adapter', () => {
    const leaks = files(join(SRC, 'adapters')).flatMap((file) => {
      const folder = relative(SRC, file).split('/').slice(0, 2).join('/');
      return imports(file)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => relative(SRC, resolve(dirname(file), spec)))
        .filter((target) => !adapterMayImport(folder, target))
        .map((target) => `${relative(SRC, file)} → ${target}`);
    });
    expect(leaks).toEqual([]);
  });

  it('when the PostgreSQL driver is imported, then only by adapters/postgres', () => {
    const importers = files(SRC)
      .filter((file) => imports(file).some((spec) => /^pg(\/|$)/.test(spec)))
      .map((file) => relative(SRC, file))
      .filter((file) => !file.startsWith('adapters/postgres/'));
    expect(importers).toEqual([]);
  });

  it('when the boundary rule is checked, then it would catch a leak', () => {
    expect(adapterMayImport('adapters/mysql', 'adapters/sqlite/sqlite-crm-outbox.js')).toBe(false);
    expect(adapterMayImport('adapters/mysql', 'application/crm-mirror/non-blocking-mirror.js')).toBe(false);
    expect(adapterMayImport('adapters/mysql', 'application/ports/crm-writer.js')).toBe(true);
    expect(adapterMayImport('adapters/mysql', 'application/receive-message.js')).toBe(false);
    expect(adapterMayImport('adapters/http', 'application/receive-message.js')).toBe(true);
    expect(FORBIDDEN.test('drizzle-orm/sqlite-core')).toBe(true);
    expect(FORBIDDEN.test('pg')).toBe(true);
    expect(FORBIDDEN.test('pgpass-like')).toBe(false);
    expect(imports(join(SRC, 'container.ts')).some((spec) => spec.includes('adapters/'))).toBe(true);
  });
});
