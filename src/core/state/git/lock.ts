import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs'
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

// Synchronous file operations: a few microseconds each in the git directory, where a promise's
// trip through the thread pool costs a millisecond on every sync.

function isStale(file: string): boolean {
  let owner: LockOwner | undefined
  try {
    owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner
  } catch {
    owner = undefined
  }
  if (owner && typeof owner.pid === 'number') {
    // Only a process on this machine can be checked; another host's lock is trusted.
    return owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid)
  }
  try {
    return Date.now() - statSync(file).mtimeMs > FRESH_MS
  } catch {
    return true
  }
}

function describe(file: string): string {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner
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
  mkdirSync(dirname(file), { recursive: true })
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
      try { writeSync(fd, JSON.stringify(owner)) }
      finally { closeSync(fd) }
      let released = false
      return async () => {
        if (released) return
        released = true
        rmSync(file, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (attempt === 0 && isStale(file)) {
        rmSync(file, { force: true })
        continue
      }
      throw new StateError(`another vectornator sync holds ${what} (${describe(file)}); wait for it, or delete ${file} if none is running`)
    }
  }
}
