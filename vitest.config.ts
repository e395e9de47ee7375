import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A real Chroma server for the chroma provider's tests (or VECTORNATOR_TEST_CHROMA_URL's).
    globalSetup: ['test/setup/chroma.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
