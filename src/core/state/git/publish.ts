import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../../../lib/logger'
import { StateError, type FinishOptions, type SyncState } from '../types'
import { parseState } from '../json'
import { gitErrorLine } from '../../git/exec'
import { forceRef, readBlobText, RefMovedError, updateRef } from './objects'
import { fetchBranch, pushBranch } from './remote'
import type { Session } from './session'

/** Pushes tried before giving up when other machines keep moving the remote branch. */
export const MAX_PUSH_ATTEMPTS = 8

/** What publishing needs of a git-branch store. */
export interface BranchHandle {
  cwd: string
  branch: string
  key: string
  /** This key's state file inside the branch's tree. */
  path: string
  localRef: string
  trackingRef: string
  logger: Logger
  blobAt(commit: string): Promise<string | undefined>
  /** A commit on `base` whose tree is `base`'s with this key's file replaced. */
  commitOn(base: string | undefined, blob: string, message: string): Promise<string>
  /** The state as a blob (BranchWriter.writeState). */
  writeState(state: SyncState): Promise<string>
  shallow(): Promise<boolean>
  /** Waits for the checkpoints under way. */
  idle(): Promise<void>
}

/**
 * Pushes the local branch. When the remote moved first: fetch it; if only other keys changed
 * there, put this commit on their tip and push again. If another sync of this key published,
 * `resolve` re-plans this sync's documents against their state (or keeps theirs), and the
 * result is committed on their tip, so the branch stays linear and every published state
 * describes one tree.
 */
export async function publish(
  b: BranchHandle,
  session: Session,
  remote: string,
  options: FinishOptions,
): Promise<void> {
  let message = options.message
  for (let attempt = 1; attempt <= MAX_PUSH_ATTEMPTS; attempt++) {
    const tip = session.local!
    if ((await pushBranch(b.cwd, remote, b.branch, tip)) === 'pushed') {
      // A single-branch clone's fetch refspec does not cover this branch, so record it here.
      await forceRef(b.cwd, b.trackingRef, tip, 'vectornator: pushed')
      session.unpushed = false
      b.logger.debug(`pushed ${b.branch} to ${remote}`)
      return
    }
    if (attempt === MAX_PUSH_ATTEMPTS) break
    let theirTip: string | undefined
    try {
      theirTip = await fetchBranch(b.cwd, remote, b.branch, await b.shallow())
    } catch (error) {
      throw new StateError(
        `could not fetch branch ${b.branch} from ${remote} after it refused a push: ${gitErrorLine(error)}; the state is committed on the local branch and the next sync pushes it`,
      )
    }
    if (!theirTip) continue
    const theirBlob = await b.blobAt(theirTip)
    if (theirBlob === session.baseBlob) {
      await moveOnto(b, session, theirTip, session.written ?? session.baseBlob, message)
      await sleep(attempt * (50 + Math.random() * 150))
      continue
    }
    const outcome = await resolveRace(b, session, theirTip, theirBlob, options)
    if (!outcome) return
    message = outcome
  }
  throw new StateError(
    `could not push branch ${b.branch} to ${remote}: it kept changing (${MAX_PUSH_ATTEMPTS} attempts); the state is committed on the local branch and the next sync pushes it`,
  )
}

/** Commits `blob` on `tip` (their tree with this key's file replaced) and moves the local branch there. */
async function moveOnto(
  b: BranchHandle,
  session: Session,
  tip: string,
  blob: string | undefined,
  message: string,
): Promise<void> {
  session.base = tip
  const next = !blob || blob === (await b.blobAt(tip)) ? tip : await b.commitOn(tip, blob, message)
  await moveLocal(b, session, next, message)
}

async function moveLocal(b: BranchHandle, session: Session, next: string, message: string): Promise<void> {
  try {
    await updateRef(b.cwd, b.localRef, next, session.local, message.split('\n')[0]!)
  } catch (error) {
    if (error instanceof RefMovedError) {
      throw new StateError(
        `branch ${b.branch} was changed by another process while this sync was pushing ${b.key}; run the sync again`,
      )
    }
    throw error
  }
  session.local = next
}

/**
 * Another sync of this key published first. From here this sync builds on their commit: its
 * checkpoints are commits on their tip, and what `resolve` returns is published there. Resolves
 * to the message of the commit to push, or undefined when their state was kept as it is.
 */
async function resolveRace(
  b: BranchHandle,
  session: Session,
  theirTip: string,
  theirBlob: string | undefined,
  options: FinishOptions,
): Promise<string | undefined> {
  if (!options.resolve || !theirBlob) {
    throw new StateError(
      `another sync of ${b.key} published to ${b.branch} while this one ran; run the sync again (it plans against the state published)`,
    )
  }
  const theirText = await readBlobText(b.cwd, theirBlob)
  const theirs = parseState(theirText, `${b.trackingRef}:${b.path}`)
  b.logger.info(`${b.branch} was updated by another sync of ${b.key}; planning again against its state`)
  Object.assign(session, {
    base: theirTip,
    baseBlob: theirBlob,
    baseState: theirs,
    loadedBlob: theirBlob,
    localAtLoad: theirTip,
    rebased: false,
  })
  const next = await options.resolve(theirs)
  await b.idle()
  const blob = next ? await b.writeState(next.state) : theirBlob
  if (blob === theirBlob) {
    // Their commit is the result: nothing of this sync's is left to publish.
    await moveLocal(b, session, theirTip, 'vectornator: kept the state another sync published')
    session.written = undefined
    session.unpushed = false
    return undefined
  }
  await moveLocal(b, session, await b.commitOn(theirTip, blob, next!.message), next!.message)
  session.written = blob
  return next!.message
}
