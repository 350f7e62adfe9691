import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../src/config-schema.js';

/** README's configuration rows: `| \`A\` / \`B\` | \`1\` / \`2\` | meaning |` → { A: '1', B: '2' } ('—' for none). */
function readmeDefaults(): Map<string, string> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rows = new Map<string, string>();
  for (const line of readme.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !/^`[A-Z][A-Z0-9_]+`/.test(cells[1]!)) continue;
    const names = cells[1]!.split(' / ').map((name) => name.replaceAll('`', ''));
    const defaults = cells[2]!.split(' / ').map((value) => value.replaceAll('`', ''));
    names.forEach((name, i) => rows.set(name, defaults[names.length === defaults.length ? i : 0]!));
  }
  return rows;
}

describe('the environment schema and README', () => {
  it('when README documents the configuration, then every variable of the schema is in it, with the default the schema has', () => {
    const documented = readmeDefaults();
    const wrong = Object.entries(VARIABLES).flatMap(([name, schema]) => {
      if (!documented.has(name)) return [`${name}: not in README`];
      const expected = schema.default === undefined || schema.default === '' ? '—' : String(schema.default);
      const readme = documented.get(name)!;
      return readme === expected || (expected === 'auto' && readme === '—') ? [] : [`${name}: README says ${readme}, the schema ${expected}`];
    });
    expect(wrong).toEqual([]);
  });

  it('when .env.example comments the variables, then it has exactly the schema\'s', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const named = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect([...new Set(named)].sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  it('when README names a variable in a configuration table, then the schema defines it', () => {
    const unknown = [...readmeDefaults().keys()].filter((name) => !(name in VARIABLES));
    expect(unknown).toEqual([]);
  });
});
