import { promises as fs } from 'node:fs'
import { dirname } from 'node:path'
import { UsageError } from './errors'

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true }
  catch (error) { return (error as NodeJS.ErrnoException).code === 'EPERM' }
}

/**
 * A lock file so two syncs over one state on one machine do not interleave. The second waits up
 * to `waitMs`, then fails with a clear message. A lock left by a dead process is taken over.
 */
export async function acquireLock(path: string, options: { waitMs?: number } = {}): Promise<() => Promise<void>> {
  const deadline = Date.now() + (options.waitMs ?? 30_000)
  await fs.mkdir(dirname(path), { recursive: true })
  while (true) {
    try {
      const handle = await fs.open(path, 'wx')
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      let released = false
      return async () => {
        if (released) return
        released = true
        await fs.rm(path, { force: true })
      }
    }
    catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number.parseInt(await fs.readFile(path, 'utf8').catch(() => ''), 10)
    if (!Number.isInteger(holder) || !alive(holder)) {
      await fs.rm(path, { force: true })
      continue
    }
    if (Date.now() > deadline)
      throw new UsageError(`another vectornator sync (pid ${holder}) holds ${path}: wait for it to finish, or remove the file if that process is gone`)
    await new Promise(r => setTimeout(r, 200))
  }
}
