import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import OpenAI, { toFile } from 'openai'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import vectornator from '../src/vite'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { uploadName } from '../src/providers/openai-files'
import { runCli } from './helpers/cli'
import { makeTree } from './helpers/tree'
import { commit, createSandbox, git, gitStatus, isolateGitEnv, write, type Sandbox } from './helpers/git'
import { Lines, viteLoggerInto } from './plugin/helpers'
import { expectCliAgrees } from './frameworks/helpers'
import { identityLine, type ProjectIdentity } from '../src/core'

// One project across machines, as a team lives with it: real clones of a real bare remote (one
// that refuses pushes too), the real CLI in child processes, a real Vite build, the real SDK
// against the offline OpenAI-compatible server.
let restoreEnv: () => void
let server: OpenAIServer
beforeAll(async () => {
  restoreEnv = isolateGitEnv()
  server = await createOpenAIServer({ processingMs: 1 })
})
afterAll(async () => {
  await server.close()
  restoreEnv()
})

const gitEnv = () => ({
  HOME: process.env.HOME,
  GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL,
  GIT_CONFIG_NOSYSTEM: '1',
})
/** The CLI with no key at all: an embedded store (the default one, or the one `provider` names). */
const offlineWith =
  (provider: string[]) =>
  (cwd: string, ...args: string[]) =>
    runCli([...args, ...provider, '--include', 'docs/**/*.md'], {
      cwd,
      env: { ...gitEnv(), OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, DATABASE_URL: undefined },
    })
const offline = offlineWith([])
/** The CLI against the shared (OpenAI-compatible) store. */
const shared = (cwd: string, ...args: string[]) =>
  runCli([...args, '--include', 'docs/**/*.md'], {
    cwd,
    env: { ...gitEnv(), OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url },
  })

const remoteBranches = (sandbox: Sandbox) =>
  git(sandbox.remote, ['branch', '--list'])
    .split('\n')
    .map(l => l.replace(/^[*\s]+/, ''))
    .filter(Boolean)

function pages(repo: string, n: number, text = 'first'): void {
  for (let i = 1; i <= n; i++)
    write(repo, `docs/page-${i}.md`, `# Page ${i}\n\nThe ${text} text about harbour number ${i}.\n`)
}

/** A clone of a new sandbox's remote with `n` pages committed and pushed to main. */
function repoWithPages(n: number): { sandbox: Sandbox; repo: string } {
  const sandbox = createSandbox()
  const repo = sandbox.clone('a')
  pages(repo, n)
  git(repo, ['add', '.'])
  commit(repo, 'docs')
  git(repo, ['push', '-q', 'origin', 'HEAD:main'])
  return { sandbox, repo }
}

/** A fresh clone of the remote as it is now, as a CI job makes. */
function cloneOf(sandbox: Sandbox, name: string): string {
  git(sandbox.dir, ['clone', '-q', '-b', 'main', `file://${sandbox.remote}`, name])
  return join(sandbox.dir, name)
}

function refusePushes(sandbox: Sandbox, refuse: boolean): void {
  const hook = join(sandbox.remote, 'hooks', 'pre-receive')
  writeFileSync(
    hook,
    refuse ? '#!/bin/sh\necho "permission denied to this token" >&2\nexit 1\n' : '#!/bin/sh\nexit 0\n',
  )
  chmodSync(hook, 0o755)
}

const EMBEDDED = [
  { store: 'LanceDB, the default with no key', provider: [], folder: 'lancedb', prefix: 'lds' },
  { store: 'PGlite, named', provider: ['--provider', 'postgres'], folder: 'store', prefix: 'pgs' },
]

describe.each(EMBEDDED)('an embedded store lives on one machine ($store)', { timeout: 180_000 }, embedded => {
  const offline = offlineWith(embedded.provider)

  it('two clones with no key both sync and search; neither pushes a state, and the first still works after the second', async () => {
    const { sandbox, repo: a } = repoWithPages(3)

    const first = await offline(a, 'sync')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toContain(`store is in .vectornator/${embedded.folder}`)
    expect(first.stderr).toMatch(new RegExp(`created \\w+ store ${embedded.prefix}_`))
    // The sandbox's first commit has docs/guide.md besides.
    expect(first.stderr).toMatch(/sync: 4 added/)
    expect(first.stderr).not.toMatch(/pushed/)
    // The state is beside the store, the store is beside nothing git sees.
    expect(existsSync(join(a, '.vectornator', 'metadata.json'))).toBe(true)
    expect(git(a, ['status', '--porcelain'])).toBe('')
    expect(remoteBranches(sandbox)).toEqual(['main'])
    expect(gitStatus(a, ['rev-parse', '--verify', '-q', 'refs/heads/vectornator-metadata'])).not.toBe(0)

    const b = cloneOf(sandbox, 'b')
    const second = await offline(b, 'sync')
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toMatch(/sync: 4 added/)
    const found = await offline(b, 'search', 'harbour number 2', '--json')
    expect(found.code, found.stderr).toBe(0)
    expect(found.stdout).toMatch(/docs\/page-2\.md/)

    // The first machine is untouched by the second: it syncs a change and searches.
    write(a, 'docs/page-4.md', '# Page 4\n\nA lighthouse keeper.\n')
    const again = await offline(a, 'sync')
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(/sync: 1 added, 0 updated, 0 deleted, 4 unchanged/)
    const search = await offline(a, 'search', 'lighthouse keeper', '--json')
    expect(search.code, search.stderr).toBe(0)
    expect(search.stdout).toMatch(/docs\/page-4\.md/)
    expect(remoteBranches(sandbox)).toEqual(['main'])
    sandbox.cleanup()
  })

  it("a clone whose shared branch names another machine's embedded store builds its own, in one line, and never fails for it", async () => {
    const { sandbox, repo: a } = repoWithPages(2)
    // The branch chosen explicitly: the state travels, the store does not.
    const first = await offline(a, 'sync', '--metadata', 'git-branch')
    expect(first.code, first.stderr).toBe(0)
    expect(remoteBranches(sandbox)).toContain('vectornator-metadata')

    const b = cloneOf(sandbox, 'b')
    const run = await offline(b, 'sync', '--metadata', 'git-branch')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr.split('\n').filter(l => /not on this machine/.test(l))).toEqual([
      expect.stringMatching(
        new RegExp(
          `names embedded store ${embedded.prefix}_\\w+, which is not on this machine \\(deleted, or synced on another one\\): building this machine's own`,
        ),
      ),
    ])
    expect(run.stderr).toMatch(/sync: 3 added/)
    const found = await offline(b, 'search', 'harbour number 1', '--json', '--metadata', 'git-branch')
    expect(found.code, found.stderr).toBe(0)
    expect(found.stdout).toMatch(/docs\/page-1\.md/)
    sandbox.cleanup()
  })
})

describe('the default embedded store (LanceDB)', { timeout: 180_000 }, () => {
  it('a sync that changes nothing reads no table: its counts are kept beside it', async () => {
    const { sandbox, repo: a } = repoWithPages(2)
    const first = await offline(a, 'sync')
    expect(first.code, first.stderr).toBe(0)
    const dir = join(a, '.vectornator', 'lancedb')
    const [table] = readdirSync(dir).filter(name => name.endsWith('.lance'))
    // The table's rows moved away: a no-op that read them would fail.
    renameSync(join(dir, table!, 'data'), join(dir, 'data.away'))
    const noop = await offline(a, 'sync')
    expect(noop.code, noop.stderr).toBe(0)
    expect(noop.stderr).toMatch(/sync: 0 added, 0 updated, 0 deleted, 3 unchanged/)
    renameSync(join(dir, 'data.away'), join(dir, table!, 'data'))
    const found = await offline(a, 'search', 'harbour number 2', '--json')
    expect(found.code, found.stderr).toBe(0)
    expect(found.stdout).toMatch(/docs\/page-2\.md/)
    sandbox.cleanup()
  })
})

describe('CI', { timeout: 180_000 }, () => {
  it('a plugin build in CI with no key, and a remote that refuses pushes, passes and says in one line why nothing synced', async () => {
    const sandbox = createSandbox()
    const site = sandbox.clone('site')
    cpSync(fileURLToPath(new URL('./fixtures/site', import.meta.url)), site, { recursive: true })
    git(site, ['add', '.'])
    commit(site, 'site')
    refusePushes(sandbox, true)
    const saved = {
      CI: process.env.CI,
      OPENAI_API_KEY: process.env.OPENAI_API_KEY,
      DATABASE_URL: process.env.DATABASE_URL,
    }
    process.env.CI = 'true'
    delete process.env.OPENAI_API_KEY
    delete process.env.DATABASE_URL
    const lines = new Lines()
    try {
      await build({
        root: site,
        configFile: false,
        logLevel: 'info',
        customLogger: viteLoggerInto(lines),
        build: { rollupOptions: { input: { main: join(site, 'index.html') } } },
        plugins: [vectornator({ include: 'docs/**/*.md' })],
      })
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
    }
    expect(lines.lines.filter(l => /vectornator/.test(l))).toEqual([
      expect.stringMatching(
        /CI without OPENAI_API_KEY \(or DATABASE_URL\): nothing synced, the build goes on\. Set OPENAI_API_KEY in the job's secrets/,
      ),
    ])
    expect(existsSync(join(site, '.vectornator'))).toBe(false)
    expect(remoteBranches(sandbox)).toEqual(['main'])
    sandbox.cleanup()
  })

  it('a shared store whose state cannot be pushed (a read-only token): each run warns with the fix, the store stays exact, and the run after access is granted publishes', async () => {
    const { sandbox, repo: seed } = repoWithPages(4)
    const first = await shared(seed, 'sync', '--json')
    expect(first.code, first.stderr).toBe(0)
    const storeId = JSON.parse(first.stdout).storeId as string
    const client = new OpenAI({ apiKey: 'test', baseURL: server.url })
    const stored = async () => {
      const docs: Record<string, string> = {}
      for await (const f of client.vectorStores.files.list(storeId, { limit: 100 })) {
        const path = String(f.attributes?.path)
        expect(docs[path], `${path} stored twice`).toBeUndefined()
        docs[path] = String(f.attributes?.sha256)
      }
      return Object.keys(docs).sort()
    }

    // CI: a fresh clone each run, with a token that cannot push.
    write(seed, 'docs/page-1.md', '# Page 1\n\nRewritten.\n')
    write(seed, 'docs/page-5.md', '# Page 5\n\nNew.\n')
    git(seed, ['rm', '-q', 'docs/page-4.md'])
    git(seed, ['add', '.'])
    commit(seed, 'edit')
    git(seed, ['push', '-q', 'origin', 'HEAD:main'])
    refusePushes(sandbox, true)
    for (const run of [1, 2]) {
      const ci = cloneOf(sandbox, `ci-${run}`)
      const sync = await shared(ci, 'sync')
      expect(sync.code, sync.stderr).toBe(0)
      expect(sync.stderr).toMatch(
        /could not push the sync state to origin\/vectornator-metadata .*give the job write access \(GitHub Actions: `permissions: contents: write`\), or set metadata.push to false\. The store is left as the published state describes/,
      )
      // What everyone reads still describes the store exactly: the published tree, nothing more.
      expect(await stored()).toEqual([
        'docs/guide.md',
        'docs/page-1.md',
        'docs/page-2.md',
        'docs/page-3.md',
        'docs/page-4.md',
      ])
      expect((await shared(ci, 'status', '--json')).stdout).toMatch(/"updated":\["docs\/page-1.md"\]/)
    }
    refusePushes(sandbox, false)
    const granted = cloneOf(sandbox, 'ci-3')
    const sync = await shared(granted, 'sync')
    expect(sync.code, sync.stderr).toBe(0)
    expect(sync.stderr).toMatch(/state pushed to origin\/vectornator-metadata/)
    expect(await stored()).toEqual([
      'docs/guide.md',
      'docs/page-1.md',
      'docs/page-2.md',
      'docs/page-3.md',
      'docs/page-5.md',
    ])
    // Exact, and recorded: the next clone has nothing to do, and no File object is left billed.
    const status = await shared(cloneOf(sandbox, 'ci-4'), 'status', '--json')
    expect(JSON.parse(status.stdout)).toMatchObject({ added: [], updated: [], deleted: [] })
    const attached = new Set(server.vectorStoreFiles(storeId).map(f => f.id))
    const mine = server.files().filter(f => /page-\d\.md/.test(f.filename))
    expect(mine.filter(f => !attached.has(f.id)).map(f => f.filename)).toEqual([])
    sandbox.cleanup()
  })
})

describe('ownership: what this project created, and nothing else', { timeout: 180_000 }, () => {
  const docs = { 'docs/index.md': '# Home\n\nThe harbour.\n', 'docs/other.md': '# Other\n\nThe lighthouse.\n' }
  const cli = (root: string, ...args: string[]) =>
    runCli([...args, '--metadata', 'file', '--include', 'docs/**/*.md'], {
      cwd: root,
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url, VECTORNATOR_STORE_ID: undefined },
    })
  /** Everything of a store: its documents and the File objects they use, as ids. */
  const snapshot = (storeId: string) => {
    const attached = server
      .vectorStoreFiles(storeId)
      .map(f => f.id)
      .sort()
    const objects = new Set(server.files().map(f => f.id))
    return { attached, objectsExist: attached.every(id => objects.has(id)) }
  }
  const storeOf = (root: string) =>
    (JSON.parse(readFileSync(join(root, '.vectornator', 'metadata.json'), 'utf8')) as { storeId: string }).storeId

  it("two projects with the same paths in one account: verify, prune and verify --repair in one leave the other's store exactly as it was", async () => {
    const one = makeTree(docs)
    const two = makeTree(docs)
    for (const root of [one, two]) expect((await cli(root, 'sync')).code).toBe(0)
    const other = storeOf(two)
    // The other project has an upload a killed run never attached (named as its uploads are).
    const detached = await new OpenAI({ apiKey: 'test', baseURL: server.url }).files.create({
      file: await toFile(Buffer.from('# Other\n\nkilled\n'), uploadName('docs/other.md', other)),
      purpose: 'assistants',
    })
    const before = snapshot(other)
    const objectsBefore = server
      .files()
      .map(f => f.id)
      .sort()

    const verify = await cli(one, 'verify', '--json')
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
    expect(JSON.parse(verify.stdout)).toMatchObject({ untracked: [], orphanFileObjects: [] })
    for (const args of [['prune'], ['verify', '--repair']]) {
      const run = await cli(one, ...args)
      expect(run.code, run.stderr).toBe(0)
      expect(snapshot(other)).toEqual(before)
      expect(
        server
          .files()
          .map(f => f.id)
          .sort(),
      ).toEqual(objectsBefore)
    }
    // The project that owns the detached File object finds it (and only it).
    const own = await cli(two, 'prune', '--dry-run', '--json')
    expect(JSON.parse(own.stdout).fileObjects.map((o: { fileId: string }) => o.fileId)).toEqual([detached!.id])
  })

  it('after --new-store, prune leaves the old store whole', async () => {
    const root = makeTree(docs)
    expect((await cli(root, 'sync')).code).toBe(0)
    const old = storeOf(root)
    const before = snapshot(old)
    const fresh = await cli(root, 'sync', '--new-store')
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(storeOf(root)).not.toBe(old)
    const pruned = await cli(root, 'prune', '--json')
    expect(pruned.code, pruned.stderr).toBe(0)
    expect(JSON.parse(pruned.stdout)).toMatchObject({ deleted: 0, documents: [], fileObjects: [] })
    expect(snapshot(old)).toEqual({ ...before, objectsExist: true })
  })

  it('a first sync whose globs match nothing creates nothing and exits 2 naming the globs', async () => {
    const root = makeTree({ 'README.md': '# Not in docs\n' })
    const created = () => server.stats.byRoute['POST /vector_stores'] ?? 0
    const stores = created()
    const run = await cli(root, 'sync')
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /no document matched "docs\/\*\*\/\*\.md" under .*: nothing synced and no store created; check --include/,
    )
    expect(created()).toBe(stores)
    expect(existsSync(join(root, '.vectornator', 'metadata.json'))).toBe(false)
  })
})

describe('one project, whichever face opens it', { timeout: 180_000 }, () => {
  it('a Vite build rooted in a subfolder and the CLI at the top and in the subfolder name the same root, config file and state', async () => {
    const sandbox = createSandbox()
    const repo = sandbox.clone('repo')
    const web = join(repo, 'web')
    cpSync(fileURLToPath(new URL('./fixtures/site', import.meta.url)), web, { recursive: true })
    const configFile = join(repo, 'vectornator.config.mjs')
    writeFileSync(
      configFile,
      "export default { include: ['web/docs/**/*.md'], metadata: { branch: 'docs-state' }, storeName: 'identity' }\n",
    )
    git(repo, ['add', '.'])
    commit(repo, 'site')
    const saved = {
      CI: process.env.CI,
      OPENAI_API_KEY: process.env.OPENAI_API_KEY,
      OPENAI_BASE_URL: process.env.OPENAI_BASE_URL,
      DATABASE_URL: process.env.DATABASE_URL,
    }
    delete process.env.CI
    delete process.env.DATABASE_URL
    process.env.OPENAI_API_KEY = 'test'
    process.env.OPENAI_BASE_URL = server.url
    const lines = new Lines()
    try {
      await build({
        root: web,
        configFile: false,
        logLevel: 'info',
        customLogger: viteLoggerInto(lines),
        build: { rollupOptions: { input: { main: join(web, 'index.html') } } },
        plugins: [vectornator({ debug: true })],
      })
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
    }
    expect(lines.syncs).toEqual([expect.stringMatching(/sync: 2 added, 0 updated, 0 deleted/)])
    await expectCliAgrees(server, repo)

    const identity = {
      root: repo,
      configFile,
      state: { kind: 'git-branch', branch: 'docs-state', remote: 'origin', push: true, key: 'root-openai' },
    }
    const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url }
    for (const cwd of [repo, web]) {
      const status = await runCli(['status', '--json'], { cwd, env })
      expect(status.code, status.stderr).toBe(0)
      expect(JSON.parse(status.stdout).project).toEqual(identity)
    }
    // The build said the same, in the line `--debug` prints.
    const said = lines.lines.filter(l => /\bproject \//.test(l))
    expect(said).toEqual([expect.stringContaining(identityLine(identity as ProjectIdentity))])
    const debug = await runCli(['status', '--debug'], { cwd: repo, env })
    expect(debug.stderr).toContain(identityLine(identity as ProjectIdentity))
    expect(remoteBranches(sandbox)).toEqual(['docs-state', 'main'])
    sandbox.cleanup()
  })
})
