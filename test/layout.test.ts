import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain script, without types
import { checkLayout } from '../scripts/check-layout.mjs'

// The house rules, checked on every test run: no import loop in src/ (type-only imports
// included), core/ imports no bundler, CLI or testing/ code, providers/ import no core/ (no state,
// no git), and lib/ imports nothing of ours.
describe('the layout of src/', () => {
  it('finds a loop, a type-only one included, and an import across a layer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-layout-'))
    const put = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    put('core/a.ts', "import type { B } from './b'\nexport type A = 1\n")
    put('core/b.ts', "import { a } from './c'\nexport type B = 2\n")
    put('core/c.ts', "import type { A } from './a'\nexport const a = 1\n")
    put('core/d.ts', "import { run } from '../cli/run'\nimport 'vite'\n")
    put('cli/run.ts', 'export const run = 1\n')
    put('providers/p.ts', "import { x } from '../core/state/x'\n")
    put('core/state/x.ts', 'export const x = 1\n')
    expect(checkLayout(dir).sort()).toEqual([
      'import loop: src/core/a.ts <-> src/core/b.ts <-> src/core/c.ts',
      'src/core/d.ts imports src/cli/run.ts: core/ may not import cli/',
      'src/core/d.ts imports vite: core/ may not import it',
      'src/providers/p.ts imports src/core/state/x.ts: providers/ may not import core/',
    ])
    rmSync(dir, { recursive: true, force: true })
  })

  it('lets a face import only the core public module, and names the import it refuses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-layout-'))
    const put = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    put('core/index.ts', "export { scan } from './scan/scan'\n")
    put('core/scan/scan.ts', 'export const scan = 1\n')
    put('core/state/lock.ts', 'export const lock = 1\n')
    put('cli/ok.ts', "import { scan } from '../core'\nimport type { X } from '../core/index'\n")
    put('cli/deep.ts', "import { scan } from '../core/scan/scan'\n")
    put('mcp/lazy.ts', "export const lock = () => import('../core/state/lock')\n")
    put('plugin/p.ts', "export type { Y } from '../core/scan/scan'\n")
    expect(checkLayout(dir).sort()).toEqual([
      'src/cli/deep.ts imports src/core/scan/scan.ts ("../core/scan/scan"): cli/ may import from core/ only src/core/index.ts',
      'src/mcp/lazy.ts imports src/core/state/lock.ts ("../core/state/lock"): mcp/ may import from core/ only src/core/index.ts',
      'src/plugin/p.ts imports src/core/scan/scan.ts ("../core/scan/scan"): plugin/ may import from core/ only src/core/index.ts',
    ])
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds a provider, its setting or its environment variable named in core/ or mcp/, from its folder alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-layout-'))
    const put = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    put('providers/acme/definition.ts', "export const acme = { name: 'acme', keys: ['acmeToken', 'shards'] }\n")
    put('providers/acme/settings.ts', 'export const token = (env: NodeJS.ProcessEnv) => env.ACME_TOKEN\n')
    put(
      'core/run/pick.ts',
      "// acme and its shards, in a comment, are fine\nexport const pick = (o: any) => o.provider === 'acme'\n",
    )
    put('core/options/read.ts', 'export const read = (o: any) => [o.shards, process.env.ACME_TOKEN]\n')
    put('mcp/store.ts', 'export const token = (o: any) => o.acmeToken\n')
    put('plugin/run.ts', "export const help = 'acme: set ACME_TOKEN'\n")
    expect(
      checkLayout(dir)
        .map((p: string) => p.split(':')[0])
        .sort(),
    ).toEqual([
      "src/core/options/read.ts names ACME_TOKEN (the acme provider's)",
      "src/core/options/read.ts names shards (the acme provider's)",
      "src/core/run/pick.ts names the provider 'acme'",
      "src/mcp/store.ts names acmeToken (the acme provider's)",
    ])
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds a provider named in cli/, and lets it speak of providers through their definitions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-layout-'))
    const put = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    put(
      'providers/acme/definition.ts',
      "export const acme = { name: 'acme', keys: ['acmeToken'], secrets: ['ACME_TOKEN'] }\n",
    )
    put('providers/acme/settings.ts', 'export const token = (env: NodeJS.ProcessEnv) => env.ACME_TOKEN\n')
    put('cli/shared.ts', "export const help = 'acme (default when ACME_TOKEN is set)'\n")
    put('cli/init/render.ts', "export const env = (name: string) => name === 'acme' ? ['ACME_TOKEN'] : []\n")
    put('cli/redact.ts', 'export const redact = (t: string) => t.split(process.env.ACME_TOKEN!).join("***")\n')
    // What the definitions say, read from them: nothing named here.
    put('cli/providers.ts', 'export const secrets = (ds: any[]) => ds.flatMap(d => d.secrets)\n')
    // The OpenAI-compatible test server's command, allowed by name in the check (see MAY_NAME_IN).
    put('cli/commands/serve-openai.ts', "export const hint = 'ACME_TOKEN=test'\n")
    expect(
      checkLayout(dir)
        .map((p: string) => p.split(':')[0])
        .sort(),
    ).toEqual([
      "src/cli/init/render.ts names ACME_TOKEN (the acme provider's)",
      "src/cli/init/render.ts names the provider 'acme'",
      "src/cli/redact.ts names ACME_TOKEN (the acme provider's)",
      "src/cli/shared.ts names ACME_TOKEN (the acme provider's)",
    ])
    rmSync(dir, { recursive: true, force: true })
  })

  it('has no import loop and keeps every layer rule', () => {
    expect(checkLayout()).toEqual([])
  })
})
