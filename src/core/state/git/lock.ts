import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { StateError } from '../types'

interface LockOwner {
  pid: number
  host: string
  since: string
}

/** A lock file being written right now has no content yet; give its writer this long. */
const FRESH_MS = 10_000

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function isStale(file: string): Promise<boolean> {
  let owner: LockOwner | undefined
  try {
    owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner
  } catch {
    owner = undefined
  }
  if (owner && typeof owner.pid === 'number') {
    // Only a process on this machine can be checked; another host's lock is trusted.
    return owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid)
  }
  try {
    return Date.now() - (await stat(file)).mtimeMs > FRESH_MS
  } catch {
    return true
  }
}

async function describe(file: string): Promise<string> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner
    return `pid ${owner.pid} on ${owner.host} since ${owner.since}`
  } catch {
    return 'unknown owner'
  }
}

/**
 * Takes an exclusive lock file, so two syncs of one key on this machine cannot interleave their
 * checkpoints. A lock left by a process that died is taken over. Resolves to its release.
 */
export async function acquireLock(file: string, what: string): Promise<() => Promise<void>> {
  await mkdir(dirname(file), { recursive: true })
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx')
      const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
      await handle.writeFile(JSON.stringify(owner))
      await handle.close()
      let released = false
      return async () => {
        if (released) return
        released = true
        await rm(file, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (attempt === 0 && await isStale(file)) {
        await rm(file, { force: true })
        continue
      }
      throw new StateError(`another vectornator sync holds ${what} (${await describe(file)}); wait for it, or delete ${file} if none is running`)
    }
  }
}
