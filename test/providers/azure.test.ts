import { renameSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createVectornator, resolveOptions, sync, UsageError } from '../../src'
import { silentLogger } from '../../src/lib/logger'
import { AZURE_LIMITS, createAzureProvider, type AzureCredential } from '../../src/providers/azure'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import type { VectornatorOptions } from '../../src/types'
import { runCli } from '../helpers/cli'
import { countRequests, STORE_CHECK } from '../helpers/requests'
import { makeTree, writeTree } from '../helpers/tree'
import { describeProviderConformance } from './conformance'

// The real SDK (the plain client on the v1 API, `AzureOpenAI` on a dated api-version) over HTTP
// against the offline server's Azure routes. No real Azure resource is reached.

const KEY = 'azure-test-key-0123456789'
const TOKEN = 'entra-test-token-0123456789'
const DATED = '2025-04-01-preview'
const MODES = [
  { mode: 'the v1 API', apiVersion: undefined },
  { mode: `api-version ${DATED}`, apiVersion: DATED },
] as const

const key: AzureCredential = { kind: 'key', key: KEY }
const token: AzureCredential = { kind: 'token', token: async () => TOKEN }

for (const { mode, apiVersion } of MODES) {
  describeProviderConformance(`azure, ${mode} (vectornator/testing server)`, async () => {
    const server = await createOpenAIServer({ rateLimits: false, apiKey: KEY, entraToken: TOKEN })
    const provider = createAzureProvider({
      endpoint: server.azureEndpoint,
      credential: key,
      apiVersion,
      pollIntervalMs: 5,
      maxRetries: 0,
    })
    return {
      provider,
      teardown: async () => {
        await provider.cleanup()
        await server.close()
      },
    }
  })
}

let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 2, apiKey: KEY, entraToken: TOKEN })
})
afterAll(() => server.close())

/** What the SDK sends, seen at globalThis.fetch (which the provider takes when it is created). */
function recordRequests() {
  const original = globalThis.fetch
  const seen: { method: string; url: URL; headers: Headers }[] = []
  globalThis.fetch = async (input, init) => {
    const request = new Request(input, init)
    // The SDK also reads a `data:` URL of its own (no request): only what goes to the server counts.
    if (request.url.startsWith('http'))
      seen.push({ method: request.method, url: new URL(request.url), headers: request.headers })
    return original(input, init)
  }
  return { seen, restore: () => void (globalThis.fetch = original) }
}
let restore: (() => void) | undefined
afterEach(() => {
  restore?.()
  restore = undefined
})

describe('azure requests', () => {
  const cases = [
    { name: 'v1 API with a key', apiVersion: undefined, credential: key, prefix: '/openai/v1/', query: null },
    { name: `${DATED} with a key`, apiVersion: DATED, credential: key, prefix: '/openai/', query: DATED },
    {
      name: 'v1 API with an Entra ID token',
      apiVersion: undefined,
      credential: token,
      prefix: '/openai/v1/',
      query: null,
    },
    { name: `${DATED} with an Entra ID token`, apiVersion: DATED, credential: token, prefix: '/openai/', query: DATED },
  ]
  for (const c of cases) {
    it(`${c.name}: Azure's routes, its api-version and its credential header`, async () => {
      const recorder = recordRequests()
      restore = recorder.restore
      const provider = createAzureProvider({
        endpoint: server.azureEndpoint,
        credential: c.credential,
        apiVersion: c.apiVersion,
        pollIntervalMs: 5,
      })
      await provider.initialize({})
      const storeId = await provider.createStore('routes')
      await provider.uploadFile('a.md', Buffer.from('# A\n\nalpha'), {
        path: 'a.md',
        sha256: 'a'.repeat(64),
        size: 10,
        lastModified: new Date().toISOString(),
        attributes: { path: 'a.md', sha256: 'a'.repeat(64) },
      })
      expect((await provider.listFiles()).map(f => f.path)).toEqual(['a.md'])
      expect(storeId).toMatch(/^vs_/)
      expect(recorder.seen.length).toBeGreaterThanOrEqual(4)
      for (const { url, headers } of recorder.seen) {
        expect(url.pathname).toMatch(new RegExp(`^${c.prefix}`))
        if (c.prefix === '/openai/') expect(url.pathname.startsWith('/openai/v1/')).toBe(false)
        expect(url.searchParams.get('api-version')).toBe(c.query)
        if (c.credential.kind === 'key') {
          expect(headers.get('api-key')).toBe(KEY)
          expect(headers.get('authorization')).toBeNull()
        } else {
          expect(headers.get('authorization')).toBe(`Bearer ${TOKEN}`)
          expect(headers.get('api-key')).toBeNull()
        }
      }
    })
  }

  it('the server refuses as Azure does: a wrong key, an unknown api-version, a dated route without one', async () => {
    const at = (path: string, headers: Record<string, string> = { 'api-key': KEY }) =>
      fetch(`${server.azureEndpoint}${path}`, { headers }).then(async r => ({ status: r.status, body: await r.json() }))
    expect(await at('/openai/v1/vector_stores', { 'api-key': 'wrong' })).toMatchObject({
      status: 401,
      body: {
        error: { code: '401', message: expect.stringMatching(/^Access denied due to invalid subscription key/) },
      },
    })
    expect(await at('/openai/v1/vector_stores', { authorization: 'Bearer not-the-token' })).toMatchObject({
      status: 401,
    })
    expect(await at('/openai/vector_stores?api-version=2023-05-15')).toEqual({
      status: 400,
      body: { error: { code: 'BadRequest', message: 'API version not supported' } },
    })
    expect(await at('/openai/vector_stores')).toEqual({
      status: 404,
      body: { error: { code: '404', message: 'Resource not found' } },
    })
    expect(await at('/openai/v1/vector_stores?api-version=preview')).toMatchObject({ status: 200 })
    // The OpenAI route still wants its bearer key.
    expect(await at('/v1/vector_stores')).toMatchObject({
      status: 401,
      body: { error: { type: 'invalid_request_error' } },
    })
  })
})

const opts = (root: string, apiVersion: string | undefined, extra: VectornatorOptions = {}): VectornatorOptions => ({
  root,
  provider: 'azure',
  azureEndpoint: server.azureEndpoint,
  azureApiKey: KEY,
  apiVersion,
  metadata: 'file',
  logger: silentLogger,
  ...extra,
})

function client(storeId: string) {
  const openai = new OpenAI({
    apiKey: 'unused',
    baseURL: `${server.azureEndpoint}/openai/v1`,
    defaultHeaders: { 'api-key': KEY, Authorization: null },
  })
  return {
    async files() {
      const files = []
      for await (const f of openai.vectorStores.files.list(storeId, { limit: 100 })) files.push(f)
      return files
    },
  }
}

const site = () =>
  makeTree({
    'guide/install.md': '---\ntitle: Installing Zephyr\n---\n\nRun the zephyr installer with the turbo flag.\n',
    'guide/config.md': '# Configuring Zephyr\n\nThe zephyr.toml file sets the warp factor.\n',
    'index.md': '# Zephyr\n\nZephyr is a made-up build tool.\n',
  })

for (const { mode, apiVersion } of MODES) {
  describe(`sync through the core with the azure provider, ${mode}`, () => {
    it('first sync, no-op, update, rename, delete, verify and search', async () => {
      const root = site()
      const first = await sync(opts(root, apiVersion))
      expect(first.added.sort()).toEqual(['guide/config.md', 'guide/install.md', 'index.md'])
      expect(first.failed).toEqual([])
      const store = client(first.storeId)
      expect((await store.files()).map(f => f.attributes?.path).sort()).toEqual(first.added)

      const sent = countRequests(server)
      const again = await sync(opts(root, apiVersion))
      expect(again.unchanged).toBe(3)
      expect(sent()).toEqual({ [STORE_CHECK]: 1 })

      const idOf = async (path: string) => (await store.files()).find(f => f.attributes?.path === path)!.id
      const gone = [await idOf('guide/config.md'), await idOf('index.md')]
      writeTree(root, {
        'guide/config.md': '# Configuring Zephyr\n\nThe zephyr.toml file sets the warp factor to 9.\n',
      })
      const updated = await sync(opts(root, apiVersion))
      expect(updated.updated).toEqual(['guide/config.md'])

      const uploads = server.files().length
      renameSync(join(root, 'guide/install.md'), join(root, 'guide/setup.md'))
      const renamed = await sync(opts(root, apiVersion))
      expect(renamed.renamed).toEqual([{ from: 'guide/install.md', to: 'guide/setup.md' }])
      expect(server.files().length).toBe(uploads)

      writeTree(root, { 'index.md': null })
      const deleted = await sync(opts(root, apiVersion))
      expect(deleted.deleted).toEqual(['index.md'])
      const files = await store.files()
      expect(files.map(f => f.attributes?.path).sort()).toEqual(['guide/config.md', 'guide/setup.md'])
      // The replaced version and the deleted document leave no File object behind.
      expect(server.files().filter(f => gone.includes(f.id))).toEqual([])

      const core = createVectornator(opts(root, apiVersion))
      const drift = await core.verify()
      expect(drift).toMatchObject({ tracked: 2, remote: 2, missing: [], stale: [], untracked: [] })
      const hits = await core.search('zephyr installer turbo flag')
      expect(hits[0]).toMatchObject({ path: 'guide/setup.md' })
    })
  })
}

describe('azure with a Microsoft Entra ID token', () => {
  it('syncs and searches with azureADTokenProvider, asking it for each request', async () => {
    const root = site()
    let asked = 0
    // Grouped under the provider's name, as a config file would give it.
    const entra = { azureApiKey: undefined, azure: { azureADTokenProvider: async () => (asked++, TOKEN) } }
    const result = await sync(opts(root, DATED, entra))
    expect(result.added).toHaveLength(3)
    expect(asked).toBeGreaterThanOrEqual(3)
    const hits = await createVectornator(opts(root, DATED, entra)).search('warp factor')
    expect(hits[0]).toMatchObject({ path: 'guide/config.md' })
  })

  it('a token the resource refuses fails the sync with its 401, nothing stored', async () => {
    const root = site()
    const stores = async () => {
      const list = await fetch(`${server.azureEndpoint}/openai/v1/vector_stores?limit=100`, {
        headers: { 'api-key': KEY },
      })
      return ((await list.json()) as { data: unknown[] }).data.length
    }
    const before = await stores()
    const refused = { azureApiKey: undefined, azureADTokenProvider: async () => 'expired-token' }
    await expect(sync(opts(root, undefined, refused))).rejects.toThrow(/401 Unauthorized\. Access token is missing/)
    expect(await stores()).toBe(before)
  })
})

describe('azure settings', () => {
  const azureEnv = (extra: Record<string, string>) => ({
    OPENAI_API_KEY: undefined,
    AZURE_OPENAI_ENDPOINT: undefined,
    AZURE_OPENAI_API_KEY: undefined,
    AZURE_OPENAI_AD_TOKEN: undefined,
    OPENAI_API_VERSION: undefined,
    ...extra,
  })

  it('a missing endpoint or key is one line naming the variable, exit 2 (a usage error), no request', async () => {
    // Two projects: two runs in one folder would take turns at its lock, and say so.
    const [root, other] = [site(), site()]
    const sent = countRequests(server)
    const [noEndpoint, noKey] = await Promise.all([
      runCli(['sync', '--provider', 'azure', '--metadata', 'file'], {
        cwd: root,
        env: azureEnv({ AZURE_OPENAI_API_KEY: KEY }),
      }),
      runCli(['sync', '--provider', 'azure', '--metadata', 'file'], {
        cwd: other,
        env: azureEnv({ AZURE_OPENAI_ENDPOINT: server.azureEndpoint }),
      }),
    ])
    expect(noEndpoint.code).toBe(2)
    expect(noEndpoint.stderr.trim().split('\n')).toHaveLength(1)
    expect(noEndpoint.stderr).toMatch(/AZURE_OPENAI_ENDPOINT is not set: export AZURE_OPENAI_ENDPOINT=https:/)
    expect(noKey.code).toBe(2)
    expect(noKey.stderr.trim().split('\n')).toHaveLength(1)
    expect(noKey.stderr).toMatch(/AZURE_OPENAI_API_KEY is not set/)
    expect(noKey.stderr).toMatch(/AZURE_OPENAI_AD_TOKEN/)
    expect(sent()).toEqual({})
  })

  it('reads the endpoint, the key, a static Entra token and the api-version from the environment', async () => {
    const root = site()
    const run = await runCli(['sync', '--provider', 'azure', '--metadata', 'file', '--json'], {
      cwd: root,
      env: azureEnv({
        AZURE_OPENAI_ENDPOINT: `${server.azureEndpoint}/openai/v1/`,
        AZURE_OPENAI_AD_TOKEN: TOKEN,
        OPENAI_API_VERSION: DATED,
      }),
    })
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).added).toHaveLength(3)
    expect(run.stdout + run.stderr).not.toContain(TOKEN)
  })

  it('refuses a malformed api-version or endpoint, and a key beside a token, before any work', () => {
    const problems = (options: VectornatorOptions, env: Record<string, string | undefined> = azureEnv({})) => {
      try {
        resolveOptions({ root: '/tmp', provider: 'azure', ...options }, env)
        return ''
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError)
        return (error as Error).message
      }
    }
    expect(problems({ apiVersion: 'latest-please' })).toMatch(
      /apiVersion "latest-please" is not an Azure OpenAI api-version/,
    )
    expect(problems({}, azureEnv({ AZURE_OPENAI_ENDPOINT: 'contoso.openai.azure.com' }))).toMatch(
      /AZURE_OPENAI_ENDPOINT "contoso.openai.azure.com" is not an http\(s\) URL/,
    )
    expect(problems({}, azureEnv({ AZURE_OPENAI_API_KEY: KEY, AZURE_OPENAI_AD_TOKEN: TOKEN }))).toMatch(
      /AZURE_OPENAI_API_KEY and AZURE_OPENAI_AD_TOKEN are both set/,
    )
    expect(problems({ apiVersion: DATED, azureEndpoint: 'https://contoso.openai.azure.com' })).toBe('')
  })

  it('an endpoint where nothing listens is said at once, naming AZURE_OPENAI_ENDPOINT', async () => {
    const closed = await createOpenAIServer()
    const endpoint = closed.azureEndpoint
    await closed.close()
    const provider = createAzureProvider({ endpoint, credential: key })
    await expect(provider.createStore('x')).rejects.toThrow(
      /cannot connect to http:\/\/127\.0\.0\.1:\d+ \(connection refused\): check AZURE_OPENAI_ENDPOINT or the azureEndpoint option/,
    )
  })

  it("an api-version the resource does not serve is Azure's answer, said in the sync's error", async () => {
    await expect(sync(opts(site(), '2023-05-15'))).rejects.toThrow(/400 API version not supported/)
  })
})

describe("Azure's 10,000 files per vector store", () => {
  it('is the azure provider limit', () => {
    expect(AZURE_LIMITS.maxStoreFiles).toBe(10_000)
    expect(AZURE_LIMITS.maxFileBytes).toBe(512 * 1024 * 1024)
    expect(resolveOptions({ root: '/tmp', provider: 'azure' }, {}).provider.limits.maxStoreFiles).toBe(10_000)
  })

  it('a plan that would exceed it is refused in one line naming the limit, before any remote change', async () => {
    // The same provider with a limit of 3, so the refusal needs 4 documents, not 10,001.
    const provider = () =>
      createAzureProvider({
        endpoint: server.azureEndpoint,
        credential: key,
        limits: { ...AZURE_LIMITS, maxStoreFiles: 3 },
        pollIntervalMs: 5,
      })
    const root = makeTree({ 'a.md': '# A', 'b.md': '# B', 'c.md': '# C', 'd.md': '# D' })
    const sent = countRequests(server)
    const refused = sync({ ...opts(root, undefined), provider: provider() })
    await expect(refused).rejects.toThrow(UsageError)
    await expect(refused).rejects.toThrow(
      /^this sync would leave 4 documents in the store, more than the 3 files one azure vector store holds: narrow --include/,
    )
    expect(sent()).toEqual({})

    // At the limit it syncs, and a document replaced by another keeps it there.
    writeTree(root, { 'd.md': null })
    expect((await sync({ ...opts(root, undefined), provider: provider() })).added).toHaveLength(3)
    writeTree(root, { 'c.md': null, 'e.md': '# E' })
    const swapped = await sync({ ...opts(root, undefined), provider: provider() })
    expect(swapped).toMatchObject({ added: ['e.md'], deleted: ['c.md'] })
    writeTree(root, { 'f.md': '# F' })
    await expect(sync({ ...opts(root, undefined), provider: provider() })).rejects.toThrow(/leave 4 documents/)
  })
})
