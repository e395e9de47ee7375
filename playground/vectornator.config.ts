// A type-only import: nothing to resolve at run time (a published project writes
// `import { defineConfig } from 'vectornator'`).
import type { VectornatorConfig } from '../src'

// Read by the plugin in vite.config.ts and by the CLI (`vectornator search --root playground`).
export default {
  include: 'docs/**/*.md',
  // The state lives beside the playground (.vectornator/), not on a branch of this repository.
  metadata: 'file',
  storeName: 'Lanternfish docs (vectornator playground)',
  // Provider: OpenAI when OPENAI_API_KEY is set, else the embedded LanceDB store in .vectornator/lancedb.
} satisfies VectornatorConfig
