#!/usr/bin/env node
// The layout check (npm run check:layout, and part of npm test): no import loop anywhere in src/,
// type-only imports included, and no import that breaks the layer rules of the README's
// "Architecture" section. Prints one line per problem and exits 1 when there is any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

/** The modules of core/ the faces may import: the core's public surface. */
export const CORE_PUBLIC = ['core/index.ts']

/**
 * Folders of src/ and what each may not import (folders of src/, or package names); `core`: the
 * only modules of core/ it may import, when it is a face.
 */
export const RULES = [
  {
    layer: 'core/',
    forbids: [
      'plugin/',
      'cli/',
      'testing/',
      'frameworks/',
      'mcp/',
      'vite.ts',
      'rollup.ts',
      'rolldown.ts',
      'webpack.ts',
      'rspack.ts',
      'esbuild.ts',
      'index.ts',
      'cli.ts',
    ],
    packages: ['unplugin', 'vite', 'rollup', 'rolldown', 'webpack', '@rspack/core', 'esbuild', 'cac'],
  },
  {
    layer: 'providers/',
    forbids: ['core/', 'plugin/', 'cli/', 'testing/', 'frameworks/', 'mcp/', 'index.ts', 'cli.ts', 'types.ts'],
    packages: ['unplugin', 'vite', 'rollup', 'rolldown', 'webpack', '@rspack/core', 'esbuild', 'cac'],
  },
  {
    layer: 'lib/',
    forbids: [
      'core/',
      'providers/',
      'plugin/',
      'cli/',
      'testing/',
      'frameworks/',
      'mcp/',
      'index.ts',
      'cli.ts',
      'types.ts',
    ],
    packages: [],
  },
  {
    layer: 'mcp/',
    forbids: ['plugin/', 'cli/', 'testing/', 'frameworks/', 'index.ts', 'cli.ts'],
    packages: ['unplugin', 'vite', 'rollup', 'rolldown', 'webpack', '@rspack/core', 'esbuild', 'cac'],
    core: CORE_PUBLIC,
  },
  {
    layer: 'plugin/',
    forbids: ['cli/', 'mcp/', 'frameworks/', 'testing/', 'index.ts', 'cli.ts'],
    packages: [],
    core: CORE_PUBLIC,
  },
  {
    layer: 'frameworks/',
    forbids: ['cli/', 'mcp/', 'testing/', 'index.ts', 'cli.ts'],
    packages: [],
    core: CORE_PUBLIC,
  },
  // The frameworks' own folders (frameworks/folders.ts) are what `init` looks for.
  { layer: 'cli/', forbids: ['plugin/', 'index.ts'], packages: [], core: CORE_PUBLIC },
  {
    layer: 'testing/',
    forbids: ['core/', 'providers/', 'plugin/', 'cli/', 'frameworks/', 'mcp/', 'index.ts', 'cli.ts'],
    packages: ['openai'],
  },
]

/**
 * Layers that never name a provider: they go through the one provider object the options resolve
 * (providers/registry.ts), and the CLI reads what it says of providers (names, secrets) from their
 * definitions, so adding a provider touches none of them.
 */
export const PROVIDER_BLIND = ['core/', 'mcp/', 'cli/']

/**
 * Words a provider-blind layer may still use, each with its reason. `baseUrl` is the site's base
 * for the `url` attribute, a core option that only looks like the OpenAI provider's `baseURL`
 * (the check is case-sensitive, so it needs no entry).
 */
export const MAY_NAME = {}

/**
 * Files of a provider-blind layer left out of the check, each with its reason.
 */
export const MAY_NAME_IN = {
  // Not a provider: it runs the offline OpenAI-compatible server of testing/ and prints the two
  // variables that point any OpenAI client at it; `apiKey` is that server's own option.
  'cli/commands/serve-openai.ts': 'runs the OpenAI-compatible test server',
}

/**
 * What the providers own, read from their folders (a provider is a folder of src/providers/ with a
 * definition.ts): their names, the option keys each definition lists, and the environment
 * variables their code reads.
 */
export function providerVocabulary(dir = src) {
  const providers = join(dir, 'providers')
  if (!existsSync(providers)) return []
  const words = []
  for (const name of readdirSync(providers)) {
    const definition = join(providers, name, 'definition.ts')
    if (!existsSync(definition)) continue
    words.push({ word: name, literal: true, owner: name })
    const keys = /\bkeys:\s*\[([^\]]*)\]/.exec(readFileSync(definition, 'utf8'))?.[1] ?? ''
    for (const [, key] of keys.matchAll(/['"](\w+)['"]/g)) words.push({ word: key, owner: name })
    for (const file of files(join(providers, name)))
      for (const [, variable] of readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g))
        if (!words.some(w => w.word === variable)) words.push({ word: variable, owner: name })
  }
  return words
}

/** Where a provider-blind file names a provider, one of its settings or its environment variables. */
function providerNames(rel, text, vocabulary) {
  if (!PROVIDER_BLIND.some(layer => rel.startsWith(layer)) || Object.hasOwn(MAY_NAME_IN, rel)) return []
  const problems = []
  for (const { word, literal, owner } of vocabulary) {
    if (Object.hasOwn(MAY_NAME, word)) continue
    const pattern = literal ? new RegExp(`(['"\`])${word}\\1`) : new RegExp(`\\b${word}\\b`)
    if (pattern.test(text))
      problems.push(
        `src/${rel} names ${literal ? `the provider '${word}'` : `${word} (the ${owner} provider's)`}: ${rel.split('/')[0]}/ goes through options.provider, and the provider's definition owns its settings`,
      )
  }
  return problems
}

function files(dir) {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return files(path)
    return /\.(?:ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : []
  })
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

function resolveLocal(from, spec) {
  const base = resolve(dirname(from), spec)
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {}
  }
  return undefined
}

export function checkLayout(dir = src) {
  const problems = []
  const graph = new Map()
  const vocabulary = providerVocabulary(dir)
  for (const file of files(dir)) {
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
    const rel = relative(dir, file).split('\\').join('/')
    problems.push(...providerNames(rel, text, vocabulary))
    const edges = []
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2]
      const rule = RULES.find(r => rel.startsWith(r.layer))
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec)
        if (!target) continue
        const to = relative(dir, target).split('\\').join('/')
        edges.push(to)
        if (rule && !to.startsWith(rule.layer) && rule.forbids.some(f => to === f || to.startsWith(f)))
          problems.push(
            `src/${rel} imports src/${to}: ${rule.layer} may not import ${rule.forbids.find(f => to === f || to.startsWith(f))}`,
          )
        else if (rule?.core && to.startsWith('core/') && !rule.core.includes(to))
          problems.push(
            `src/${rel} imports src/${to} ("${spec}"): ${rule.layer} may import from core/ only ${rule.core.map(c => `src/${c}`).join(', ')}`,
          )
      } else if (rule) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]
        if (rule.packages.includes(pkg)) problems.push(`src/${rel} imports ${pkg}: ${rule.layer} may not import it`)
      }
    }
    graph.set(rel, edges)
  }
  // Tarjan's strongly connected components: any component of more than one file is a loop.
  let index = 0
  const stack = []
  const meta = new Map()
  const strong = v => {
    const m = { index, low: index, on: true }
    index++
    meta.set(v, m)
    stack.push(v)
    for (const w of graph.get(v) ?? []) {
      if (!meta.has(w)) {
        strong(w)
        m.low = Math.min(m.low, meta.get(w).low)
      } else if (meta.get(w).on) m.low = Math.min(m.low, meta.get(w).index)
    }
    if (m.low === m.index) {
      const component = []
      let w
      do {
        w = stack.pop()
        meta.get(w).on = false
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (graph.get(v) ?? []).includes(v))
        problems.push(
          `import loop: ${component
            .sort()
            .map(f => `src/${f}`)
            .join(' <-> ')}`,
        )
    }
  }
  for (const v of graph.keys()) if (!meta.has(v)) strong(v)
  return problems
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkLayout()
  for (const p of problems) console.error(p)
  console.error(
    problems.length
      ? `layout: ${problems.length} problem${problems.length === 1 ? '' : 's'}`
      : 'layout: no import loop, every layer rule kept',
  )
  process.exit(problems.length ? 1 : 0)
}
