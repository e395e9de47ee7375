import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: {
      'index': 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'vite': 'src/vite.ts',
      'rollup': 'src/rollup.ts',
      'rolldown': 'src/rolldown.ts',
      'webpack': 'src/webpack.ts',
      'rspack': 'src/rspack.ts',
      'esbuild': 'src/esbuild.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
    splitting: true,
    shims: true,
    // `require('vectornator/webpack')` gives the plugin itself, not `{ default }`.
    cjsInterop: true,
  },
  {
    // The command: ESM only, with its shebang kept by tsup.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    target: 'node20',
    splitting: true,
  },
])
