// Test runner settings: unit, integration and e2e (Chromium against real hubs) suites; everything real on loopback.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: run files in parallel but not more than the machine has.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
