import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
// From source: the playground exercises the plugin as it is in this repository.
import vectornator from '../src/vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Its options are in vectornator.config.ts, shared with the CLI.
  plugins: [vectornator()],
})
