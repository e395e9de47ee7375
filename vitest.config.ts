import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temp folder for the run, removed at its end; a real Chroma server for the chroma
    // provider's tests (or VECTORNATOR_TEST_CHROMA_URL's).
    globalSetup: ['test/setup/tmp.ts', 'test/setup/chroma.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The embedded store's default local embedder must neither download a real model in a test
    // (its hub is a closed port here) nor use one this machine happens to have cached.
    env: {
      HF_ENDPOINT: 'http://127.0.0.1:4/',
      VECTORNATOR_MODEL_CACHE: join(tmpdir(), 'vectornator-tests-no-models'),
    },
  },
})
