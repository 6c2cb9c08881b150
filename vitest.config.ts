import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'bridge/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    reporters: ['default', './tests/support/plain-summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Browser tests and real servers share two cores; keep the load sane.
    maxWorkers: 2,
  },
});
