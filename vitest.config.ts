import { defineConfig } from 'vitest/config';

// Tests run against the real server, kernel, SQLite and qemu: generous per-test timeouts, and one
// file at a time: on the 2-core machines this project is built on, a VM test beside a timing test
// (feedback channel, perf counters) makes the latter measure the former.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
