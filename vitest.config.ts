// Test runner settings: unit and integration suites in Node; integration tests start real hubs on loopback.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: run files in parallel but not more than the machine has.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
