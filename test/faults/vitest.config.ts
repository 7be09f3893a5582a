import { defineConfig } from 'vitest/config';

// The fault suite (`npm run test:faults`): one file at a time, since each one kills processes, severs
// connections or fills a disk on purpose and the timings of the others should not be part of that.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/helpers/global-setup.ts', 'test/faults/setup.ts'],
  },
});
