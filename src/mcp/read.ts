import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstat, readFile, realpath } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'
import { credentialByName, secretInText } from '../core/scan/secrets'
import { uploadText } from '../core/run/context'
import type { LocalFile } from '../core/scan/scan'
import { git, gitEnv } from '../core/git/exec'
import type { FileState, SyncState } from '../core/state'
import { RefusedError } from './paths'

/** Larger documents are refused: no assistant reads that much in one answer, and the server stays small. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024

export interface DocumentText {
  text: string
  /** Where the synced copy was found. */
  from: 'work-tree' | 'git'
  /** The commit it was read from, with `from: 'git'`. */
  commit?: string
  /** MDX and Markdoc are served as the text that was uploaded, not as their source. */
  converted: boolean
}

const sha256 = (content: Buffer) => `sha256:${createHash('sha256').update(content).digest('hex')}`

/**
 * The work tree's copy, when it is a regular file inside the root: the path is resolved through
 * every link, of the file or of a folder above it, and one leading out of the root is refused.
 */
async function workTreeCopy(root: string, path: string): Promise<Buffer | undefined> {
  const abs = join(root, path)
  const [target, top] = await Promise.all([realpath(abs).catch(() => undefined), realpath(root)])
  if (!target) return undefined
  const rel = relative(top, target)
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new RefusedError(`${path} is a symbolic link (or lies under one) leading out of the root: it is not served`)
  const info = await lstat(target).catch(() => undefined)
  if (!info?.isFile()) return undefined
  if (info.size > MAX_DOCUMENT_BYTES)
    throw new RefusedError(`${path} is larger than ${MAX_DOCUMENT_BYTES} bytes: too large to serve`)
  return readFile(target)
}

/** One blob's bytes from git, or undefined when `name` names none (a commit this clone lacks). */
function gitBlob(cwd: string, name: string): Promise<Buffer | undefined> {
  return new Promise(resolve => {
    const child = spawn('git', ['cat-file', 'blob', name], {
      cwd,
      env: gitEnv(),
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    const out: Buffer[] = []
    let size = 0
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_DOCUMENT_BYTES) child.kill()
      else out.push(chunk)
    })
    child.on('error', () => resolve(undefined))
    child.on('close', code => resolve(code === 0 ? Buffer.concat(out) : undefined))
  })
}

/** Reads documents as they were synced; keeps the root's place in its repository. */
export class DocumentReader {
  private prefix?: Promise<string | undefined>

  /** `allowSecret`: the paths `allowSecrets` lets through (served as they were synced). */
  constructor(
    private readonly root: string,
    private readonly allowSecret: Promise<(path: string) => boolean> = Promise.resolve(() => false),
  ) {}

  /** The root's folder inside its git repository (`docs/` or empty); undefined outside one. */
  private gitPrefix(): Promise<string | undefined> {
    this.prefix ??= git(this.root, ['rev-parse', '--show-prefix']).then(
      p => p.trim(),
      () => undefined,
    )
    return this.prefix
  }

  /**
   * The document exactly as the state records it: the work tree's copy when its SHA-256 is the
   * state's, else the copy in the commit the sync read, when that one is; never another version,
   * since an assistant would take a changed page for the one the store indexed.
   */
  async read(path: string, entry: FileState, state: SyncState): Promise<DocumentText> {
    const own = await workTreeCopy(this.root, path)
    const allowed = (await this.allowSecret)(path)
    if (own && sha256(own) === entry.hash) return this.text(path, own, 'work-tree', undefined, allowed)
    const commit = state.sourceCommit
    const prefix = commit ? await this.gitPrefix() : undefined
    const committed =
      commit && prefix !== undefined ? await gitBlob(this.root, `${commit}:${prefix}${path}`) : undefined
    if (committed && sha256(committed) === entry.hash) return this.text(path, committed, 'git', commit, allowed)
    const where = commit
      ? `the work tree's copy differs from the synced one, and commit ${commit.slice(0, 12)} the sync read ${committed ? 'holds another version' : prefix === undefined ? 'is not in a repository here' : 'does not hold it (or is not in this clone)'}`
      : `the work tree's copy ${own ? 'differs from the synced one' : 'is gone'}, and the sync recorded no commit to read it from`
    throw new RefusedError(
      `${path} changed since the last sync (${where}): run \`vectornator sync\`, then ask again; a stale copy is never served`,
      true,
    )
  }

  private text(
    path: string,
    content: Buffer,
    from: DocumentText['from'],
    commit: string | undefined,
    allowed: boolean,
  ): DocumentText {
    if (content.includes(0)) throw new RefusedError(`${path} is not a text document: it is not served`)
    // Never a credential, even one a state written before these checks (or by hand) names.
    const secret = allowed ? undefined : (credentialByName(path) ?? secretInText(content.toString('latin1')))
    if (secret)
      throw new RefusedError(
        `${path} is not served: ${secret.startsWith('holds') ? `it ${secret}` : `it is ${secret}`}`,
      )
    // The same conversion the sync applies before upload, so the text matches what search found.
    const uploaded = uploadText({ path } as LocalFile, content)
    return {
      text: (uploaded ?? content).toString('utf8'),
      from,
      ...(commit ? { commit } : {}),
      converted: uploaded !== undefined,
    }
  }
}
