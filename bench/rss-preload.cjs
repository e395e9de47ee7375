// Preloaded (`node --require`) into every process the bench measures: at exit, writes the peak
// resident set size (`process.resourceUsage().maxRSS`, in KiB) to the file named by
// VECTORNATOR_BENCH_RSS. Nothing else; costs one tiny module load. CommonJS and `--require`, not
// `--import`: an ESM preload makes Node load a CommonJS entry (the CLI) through the ESM loader,
// which parses its whole source for exports first, a cost no user's run has.
const { writeFileSync } = require('node:fs')

const out = process.env.VECTORNATOR_BENCH_RSS
if (out) {
  process.on('exit', () => {
    try {
      writeFileSync(out, String(process.resourceUsage().maxRSS))
    } catch {}
  })
}
