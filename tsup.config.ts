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
    // The small packages every command loads are bundled in: resolving and linking them one
    // package at a time is a sixth of a no-op sync's start-up.
    noExternal: ['cac', 'picocolors', 'picomatch', 'p-limit', 'yocto-queue'],
    // picomatch and picocolors are CommonJS: their require('path') needs a require in ESM.
    banner: { js: `import { createRequire as __vectornatorRequire } from 'node:module'\nconst require = __vectornatorRequire(import.meta.url)` },
  },
])
