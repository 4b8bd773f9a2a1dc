import { defineConfig } from 'vitest/config';

// One runner for unit, CDK-assertion, integration and end-to-end tests.
// Integration tests start their own emulators on 127.0.0.1, so files run in
// separate forks and no test depends on another's servers.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
  },
});
