// Stops the Chroma server (pid in argv, then its data folder) when the test run that started it ends, however it ends
// (killed, crashed, its output piped into `head`): its stdin is a pipe from that run, closed by the
// system when the run exits. A guard inside the server's own process would never run, since its
// native server holds that process's event loop.
import { rmSync } from 'node:fs'

const [pid, dir] = process.argv.slice(2)
const stop = () => {
  try {
    process.kill(Number(pid), 'SIGKILL')
  } catch {}
  // Its data folder too (after the server is gone, whose files would otherwise be written again).
  setTimeout(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    process.exit(0)
  }, 200)
}
process.stdin.on('end', stop)
process.stdin.on('error', stop)
process.stdin.resume()
