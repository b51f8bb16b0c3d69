// `npm run test:electron`: the real Electron app, where the binary exists (skipped, and said so, where it does not).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/electron/**/*.test.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
