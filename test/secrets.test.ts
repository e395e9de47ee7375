import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIServer, type OpenAIServer } from '../src/testing'
import { credentialByName, secretInText } from '../src/core/scan/secrets'
import { runCli } from './helpers/cli'
import { makeTree } from './helpers/tree'

// Credentials never leave the repository: the real CLI against the offline OpenAI-compatible
// server, with the documents a careless `--include 'docs/**' --dot` takes.
let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
})
afterAll(() => server.close())

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex')
const PRIVATE_KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n'
const GITHUB_TOKEN = `ghp_${'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5'}`

const tree = () =>
  makeTree({
    'docs/guide.md': '# Guide\n\nSet `OPENAI_API_KEY=sk-...` in your shell, never in a file.\n',
    'docs/aws.md': "# AWS\n\nThe documentation's example key is AKIAIOSFODNN7EXAMPLE.\n",
    'docs/keys/id_rsa': 'not really a key, but named as one\n',
    'docs/keys/id_rsa.pub': 'ssh-rsa AAAAB3NzaC1yc2E a public key may be published\n',
    'docs/server.pem': 'certificate material\n',
    'docs/.ssh/id_ed25519': 'a key\n',
    'docs/.npmrc': '//registry.npmjs.org/:_authToken=abc\n',
    'docs/setup.md': `# Setup\n\nPaste this:\n\n\`\`\`\n${PRIVATE_KEY}\`\`\`\n`,
    'docs/ci.md': `# CI\n\nThe token is ${GITHUB_TOKEN} (rotate it).\n`,
  })

const cli = (root: string, ...args: string[]) =>
  runCli([...args, '--metadata', 'file', '--include', 'docs/**', '--dot'], {
    cwd: root,
    env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url },
  })
const stored = (root: string) => {
  const { storeId } = JSON.parse(readFileSync(join(root, '.vectornator', 'metadata.json'), 'utf8')) as {
    storeId: string
  }
  return server
    .vectorStoreFiles(storeId)
    .map(f => String(f.attributes?.path))
    .sort()
}

describe('secrets never leave the repository', () => {
  it('skips credentials by name and by content, one line each, and syncs the rest', async () => {
    const root = tree()
    const run = await cli(root, 'sync', '--json')
    expect(run.code, run.stderr).toBe(0)
    expect(stored(root)).toEqual(['docs/aws.md', 'docs/guide.md', 'docs/keys/id_rsa.pub'])
    const lines = run.stderr.split('\n').filter(l => /credentials are never uploaded/.test(l))
    expect(lines).toEqual([
      expect.stringMatching(/skipped docs\/\.npmrc: a credentials file by its name \(\.npmrc\)/),
      expect.stringMatching(/skipped docs\/\.ssh\/id_ed25519: a private key by its name/),
      expect.stringMatching(/skipped docs\/ci\.md: holds a GitHub token/),
      expect.stringMatching(/skipped docs\/keys\/id_rsa: a private key by its name \(id_rsa\)/),
      expect.stringMatching(/skipped docs\/server\.pem: a key or certificate store by its name/),
      expect.stringMatching(/skipped docs\/setup\.md: holds a private key block/),
    ])
    // The next run knows them without reading them again (the stat cache), and says so again.
    const again = await cli(root, 'sync', '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ added: [], updated: [], deleted: [] })
    expect(again.stderr.split('\n').filter(l => /credentials are never uploaded/.test(l))).toHaveLength(6)
  })

  it('a path given in allowSecrets is synced; once taken out, the store loses it; a file that gains a key is removed', async () => {
    const root = tree()
    const allowed = await cli(root, 'sync', '--allow-secret', 'docs/setup.md', '--json')
    expect(allowed.code, allowed.stderr).toBe(0)
    expect(stored(root)).toContain('docs/setup.md')
    const strict = await cli(root, 'sync', '--json')
    expect(strict.code, strict.stderr).toBe(0)
    expect(JSON.parse(strict.stdout).deleted).toEqual(['docs/setup.md'])
    expect(stored(root)).not.toContain('docs/setup.md')
    // A page that was fine and now holds a token leaves the store.
    writeFileSync(
      join(root, 'docs/guide.md'),
      `# Guide\n\nexport OPENAI_API_KEY=sk-proj-${'Q'.repeat(8)}r4nd0mL00k1ngK3yM4t3r14l0123456789\n`,
    )
    const leaked = await cli(root, 'sync', '--json')
    expect(leaked.code, leaked.stderr).toBe(0)
    expect(JSON.parse(leaked.stdout).deleted).toEqual(['docs/guide.md'])
    expect(leaked.stderr).toMatch(/skipped docs\/guide\.md: holds an OpenAI or Anthropic API key/)
  })

  it('llms-txt writes no credential, and reads nothing outside the root, whatever the state names', async () => {
    const root = tree()
    expect((await cli(root, 'sync')).code).toBe(0)
    // A state edited by hand (or written before these checks) names a key file and a file above the root.
    const statePath = join(root, '.vectornator', 'metadata.json')
    const state = JSON.parse(readFileSync(statePath, 'utf8'))
    const outside = join(root, '..', `${basename(root)}-outside.md`)
    writeFileSync(outside, "# Outside\n\nnot this project's\n")
    const guide = state.files['docs/guide.md']
    // Each entry's hash is its file's, as if it had been synced: only the checks keep them out.
    const entry = (file: string, url: string) => ({
      ...guide,
      hash: `sha256:${sha256(readFileSync(file))}`,
      attributes: { ...guide.attributes, url, title: url },
    })
    state.files['docs/keys/id_rsa'] = entry(join(root, 'docs/keys/id_rsa'), '/keys')
    state.files[`../${basename(outside)}`] = entry(outside, '/outside')
    writeFileSync(statePath, JSON.stringify(state))
    mkdirSync(join(root, 'out'))
    const run = await cli(root, 'llms-txt', '--out', 'out')
    expect(run.code, run.stderr).toBe(0)
    const full = readFileSync(join(root, 'out', 'llms-full.txt'), 'utf8')
    expect(full).not.toMatch(/not really a key|not this project/)
    expect(full).toMatch(/never in a file/)
    rmSync(outside)
  })

  it('recognises the well-known shapes, and leaves look-alikes alone', () => {
    expect(credentialByName('a/id_ecdsa')).toBeDefined()
    expect(credentialByName('a/id_ed25519.pub')).toBeUndefined()
    expect(credentialByName('certs/site.p12')).toBeDefined()
    expect(credentialByName('.pgpass')).toBeDefined()
    expect(credentialByName('home/.aws/credentials')).toBeDefined()
    expect(credentialByName('docs/keys.md')).toBeUndefined()
    expect(credentialByName('docs/monkey.md')).toBeUndefined()
    expect(secretInText(`token ${'AKIA'}Z3RT5YUI8OP1ASD2 here`)).toMatch(/AWS/)
    expect(secretInText('xoxb-123456789012-123456789012-abcdefABCDEF')).toMatch(/Slack/)
    expect(secretInText('a task-list and a desk-lamp-with-a-very-long-hyphenated-name-here')).toBeUndefined()
    expect(secretInText('sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')).toBeUndefined()
    expect(secretInText('-----BEGIN PUBLIC KEY-----')).toBeUndefined()
    expect(secretInText('-----BEGIN RSA PRIVATE KEY-----')).toMatch(/private key/)
  })
})
