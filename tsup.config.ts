import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      vite: 'src/vite.ts',
      rollup: 'src/rollup.ts',
      rolldown: 'src/rolldown.ts',
      webpack: 'src/webpack.ts',
      rspack: 'src/rspack.ts',
      esbuild: 'src/esbuild.ts',
      docusaurus: 'src/docusaurus.ts',
      astro: 'src/astro.ts',
      rspress: 'src/rspress.ts',
      nuxt: 'src/nuxt.ts',
      next: 'src/next.ts',
      // Loaded by Next.js itself, by path, from beside next.js: see withVectornator.
      'next-adapter': 'src/next-adapter.ts',
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
    // The command: one CommonJS file with its shebang kept by tsup. The code behind every other
    // command, provider and state store is in it but initialised only when used, and external
    // packages are loaded then (`import()` stays for the ESM-only ones): a no-op sync loads one
    // module instead of fifteen through the ESM loader, a tenth of its time on this machine.
    entry: { cli: 'src/cli.ts' },
    format: ['cjs'],
    target: 'node20',
    splitting: false,
    // The small packages every command loads are bundled in, and the OpenAI SDK: a no-op sync sends
    // it one request, and loading it from node_modules (about 300 files resolved, read and
    // compiled one by one) cost 50 ms of a 365 ms no-op here, against one read of this file.
    noExternal: ['cac', 'picocolors', 'picomatch', 'p-limit', 'yocto-queue', 'openai'],
    // V8 reads and keeps the whole source of this file: without whitespace and with simpler
    // syntax it is 666 KB instead of 996 KB, parsed sooner and held in 3 MB less (a no-op sync's
    // peak RSS here: 66 MB against 69 MB). Names are kept, so stack traces still name functions.
    minifyWhitespace: true,
    minifySyntax: true,
  },
])
