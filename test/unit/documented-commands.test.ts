import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Every `npm run <script>` the docs tell a user to type exists in package.json. */
describe('documented npm scripts', () => {
  const root = new URL('../../', import.meta.url);
  const scripts = Object.keys(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts);
  const docs = ['README.md', 'docs/architecture.md', 'test/README.md'].map((file) => readFileSync(new URL(file, root), 'utf8')).join('\n');
  const documented = [...new Set([...docs.matchAll(/npm run ([a-z][\w:-]*)/g)].map((match) => match[1]))];

  it('when the docs name an npm script, then package.json defines it', () => {
    expect(documented.length).toBeGreaterThan(3);
    expect(documented.filter((name) => !scripts.includes(name))).toEqual([]);
  });
});
