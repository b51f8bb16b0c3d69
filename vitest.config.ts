// Test runner settings: unit, integration and e2e (Chromium against real hubs) suites; everything real on loopback.
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The renderer's stores import the contract as `@shared/...`; their unit tests resolve it as the dashboard build does.
  resolve: { alias: { '@shared': resolve(import.meta.dirname, 'src/shared') } },
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
