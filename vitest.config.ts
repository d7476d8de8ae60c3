import { defineConfig } from 'vitest/config';

// Tests run against the real server, kernel, SQLite and qemu: generous per-test timeouts, and at
// most two files at once on the 2-core machines this project is built on.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
