import { createHash, randomBytes } from 'node:crypto'
import {
  linkSync,
  mkdirSync,
  openSync,
  closeSync,
  promises as fs,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { UsageError } from '../../lib/errors'
import type { StateStore } from './types'

/** Default wait for a lock another sync holds; env `VECTORNATOR_LOCK_TIMEOUT_MS` overrides it. */
export const DEFAULT_LOCK_WAIT_MS = 30_000
/**
 * A lock file with no readable pid is one being written right now (or by a process that died in
 * the microseconds between creating and filling it): it is taken over only after this long.
 */
const UNREADABLE_GRACE_MS = 10_000
/** A takeover in progress (see `takeOver`) older than this was abandoned by a dead process. */
const TAKEOVER_STALE_MS = 5_000
const POLL_MS = 100

export interface LockOptions {
  /** How long to wait for the holder to finish before failing; default 30 s. */
  waitMs?: number
  /** Called once when the lock is found held, before waiting. */
  onWait?: (holder: number) => void
}

/**
 * The lock file of one state on this machine: two syncs (or a sync and a `verify --repair` or a
 * `prune`) of the same root and state never interleave. Kept in the temp folder, not the work tree.
 */
export function lockFileFor(root: string, stateKind: string, stateLocation: string): string {
  const name = createHash('sha256').update(`${root}\0${stateKind}\0${stateLocation}`).digest('hex').slice(0, 16)
  return join(tmpdir(), `vectornator-${name}.lock`)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

interface Holder {
  /** The pid in the file; undefined when the file is empty or unreadable. */
  pid?: number
  /** Milliseconds since the file was last written. */
  ageMs: number
  /** The file is gone. */
  gone: boolean
}

/*
 * The lock's own file operations are synchronous: each is a few microseconds on a local temp
 * folder, where a promise's trip through the thread pool costs a millisecond, and a no-op sync
 * does five of them.
 */

function readHolder(path: string): Holder {
  try {
    const text = readFileSync(path, 'utf8')
    const stat = statSync(path)
    const pid = Number.parseInt(text, 10)
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, ageMs: Date.now() - stat.mtimeMs, gone: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ageMs: 0, gone: true }
    throw error
  }
}

/** True when the holder can never release the lock: its process is dead, or it never wrote a pid. */
function abandoned(holder: Holder): boolean {
  if (holder.gone) return false
  if (holder.pid !== undefined) return holder.pid !== process.pid && !alive(holder.pid)
  return holder.ageMs > UNREADABLE_GRACE_MS
}

/**
 * Creates the lock file already holding our pid: the pid goes to a private temp file that is then
 * hard-linked to the lock path, which fails if the path exists. So a lock file is never seen empty
 * (the race where a waiter read a half-created lock, found no pid, and stole it).
 */
function tryCreate(path: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(temp, `${process.pid}\n`)
  try {
    linkSync(temp, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    // File systems without hard links: exclusive create, then fill (readers give it a grace period).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'ENOSYS') {
      try {
        const fd = openSync(path, 'wx')
        try {
          writeSync(fd, `${process.pid}\n`)
        } finally {
          closeSync(fd)
        }
        return true
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
        throw e
      }
    }
    throw error
  } finally {
    rmSync(temp, { force: true })
  }
}

/**
 * Removes an abandoned lock. Waiters that all found the same dead holder must not each remove the
 * lock (the second would remove the fresh lock the first just took): a takeover is itself guarded
 * by an exclusive `.takeover` file, and the holder is checked again while holding it.
 */
async function takeOver(path: string): Promise<void> {
  const guard = `${path}.takeover`
  let handle: fs.FileHandle
  try {
    handle = await fs.open(guard, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const stat = await fs.stat(guard).catch(() => undefined)
    if (stat && Date.now() - stat.mtimeMs > TAKEOVER_STALE_MS) await fs.rm(guard, { force: true })
    return
  }
  try {
    await handle.close()
    if (abandoned(readHolder(path))) rmSync(path, { force: true })
  } finally {
    await fs.rm(guard, { force: true })
  }
}

function waitFromEnv(): number | undefined {
  const raw = process.env.VECTORNATOR_LOCK_TIMEOUT_MS
  if (raw === undefined || raw === '') return undefined
  const value = Number(raw)
  return Number.isFinite(value) && value >= 0 ? value : undefined
}

/**
 * A lock file so two syncs over one state on one machine do not interleave. The second waits up
 * to `waitMs` (default 30 s, env `VECTORNATOR_LOCK_TIMEOUT_MS`), then fails with a clear message.
 * A lock left by a dead process (a sync killed with `kill -9`) is taken over; one whose pid is not
 * written yet is not. Resolves to the release, which removes the file only while it is still ours.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const waitMs = options.waitMs ?? waitFromEnv() ?? DEFAULT_LOCK_WAIT_MS
  const deadline = Date.now() + waitMs
  mkdirSync(dirname(path), { recursive: true })
  let told = false
  while (true) {
    if (tryCreate(path)) {
      let released = false
      return async () => {
        if (released) return
        released = true
        let holder: Holder | undefined
        try {
          holder = readHolder(path)
        } catch {}
        if (holder?.pid === process.pid) rmSync(path, { force: true })
      }
    }
    const holder = readHolder(path)
    if (holder.gone) continue
    if (abandoned(holder)) {
      await takeOver(path)
      continue
    }
    if (!told && holder.pid !== undefined) {
      told = true
      options.onWait?.(holder.pid)
    }
    if (Date.now() >= deadline) {
      const who =
        holder.pid !== undefined ? `another vectornator process (pid ${holder.pid})` : 'another vectornator process'
      const waited = waitMs >= 1000 ? `${Math.round(waitMs / 1000)} s` : `${waitMs} ms`
      throw new UsageError(
        `${who} is syncing this state and holds ${path}: waited ${waited}; run again when it has finished (or remove that file if no vectornator process is running)`,
      )
    }
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())))
  }
}

/** Takes the lock of `stateStore` (its own lock file, else one per root and location). */
export async function lockState(
  root: string,
  stateStore: StateStore,
  options: LockOptions = {},
): Promise<() => Promise<void>> {
  const file = stateStore.lockFile
    ? await stateStore.lockFile()
    : lockFileFor(root, stateStore.kind, stateStore.location)
  return acquireLock(file, options)
}
