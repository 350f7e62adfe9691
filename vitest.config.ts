import { defineConfig } from 'vitest/config';

/**
 * Two projects (test/README.md): `unit` needs no server at all (`npm run test:unit`, seconds);
 * `integrated` is everything else, checked first for the MySQL it needs (global setup).
 * `npx vitest run` and `make test` run both.
 */
export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time even on two cores: most of a file's time is spent waiting on child
    // processes, servers and databases, not computing (vitest's default here is one fewer worker
    // than cores: one). Measured on the 2-core CI machine: 435 s with one, 339 s with two.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integrated',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
