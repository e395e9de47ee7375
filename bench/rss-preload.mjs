// Preloaded (`node --import`) into every process the bench measures: at exit, writes the peak
// resident set size (`process.resourceUsage().maxRSS`, in KiB) to the file named by
// VECTORNATOR_BENCH_RSS. Nothing else; costs one tiny module load.
import { writeFileSync } from 'node:fs'

const out = process.env.VECTORNATOR_BENCH_RSS
if (out) {
  process.on('exit', () => {
    try { writeFileSync(out, String(process.resourceUsage().maxRSS)) }
    catch {}
  })
}
