import { promises as fs, existsSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import type { Ignore } from 'ignore'
import { toPosix } from '../../lib/paths'

/**
 * The .gitignore rules that apply under `root`: those of the folders above it up to the
 * repository top, and every nested one, each scoped to its own folder as git does.
 */
export async function loadGitignore(root: string, nested: string[]): Promise<Ignore | undefined> {
  const rules: string[] = []
  const ancestors: string[] = []
  let dir = root
  while (true) {
    ancestors.unshift(dir)
    if (existsSync(join(dir, '.git'))) break
    const parent = dirname(dir)
    if (parent === dir) {
      ancestors.splice(0, ancestors.length - 1)
      break
    }
    dir = parent
  }
  for (const folder of ancestors.slice(0, -1)) {
    const above = await readRules(join(folder, '.gitignore'))
    if (!above) continue
    // Rules of a folder above the root, re-anchored to the root.
    const prefix = toPosix(relative(folder, root))
    for (const rule of above) {
      const rebased = rebaseRule(rule, prefix)
      if (rebased) rules.push(rebased)
    }
  }
  for (const file of nested) {
    const own = await readRules(join(root, file))
    if (!own) continue
    const folder = file.slice(0, -'.gitignore'.length)
    for (const rule of own) rules.push(folder ? scopeRule(rule, folder) : rule)
  }
  if (rules.length === 0) return undefined
  // Loaded only when there are rules to apply.
  const { default: ignore } = await import('ignore')
  return ignore().add(rules)
}

async function readRules(file: string): Promise<string[] | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).split(/\r?\n/).filter(l => l.trim() && !l.startsWith('#'))
  } catch {
    return undefined
  }
}

/** A rule of a nested .gitignore applies only under its folder. */
function scopeRule(rule: string, folder: string): string {
  const negate = rule.startsWith('!')
  let body = negate ? rule.slice(1) : rule
  const anchored = body.startsWith('/') || body.slice(0, -1).includes('/')
  body = body.replace(/^\//, '')
  const scoped = anchored ? `${folder}${body}` : `${folder}**/${body}`
  return negate ? `!${scoped}` : scoped
}

/** A rule of a folder above the root, seen from the root (`prefix` is the root's path below it). */
function rebaseRule(rule: string, prefix: string): string | undefined {
  const negate = rule.startsWith('!')
  const body = negate ? rule.slice(1) : rule
  const anchored = body.startsWith('/') || body.slice(0, -1).includes('/')
  if (!anchored) return rule
  const path = body.replace(/^\//, '')
  if (path.startsWith(`${prefix}/`)) return `${negate ? '!' : ''}${path.slice(prefix.length + 1)}`
  return undefined
}
