import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'bridge/**/*.test.ts', 'app/**/*.test.ts', 'vite-plugins/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./tests/support/build-app-once.ts'],
    reporters: ['default', './tests/support/plain-summary-reporter.ts'],
    // Generous: browser tests step through real deliveries, and CI machines are shared.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Browser tests and real servers share two cores; keep the load sane.
    maxWorkers: 2,
  },
});
