import { execFileSync } from 'node:child_process'
import { gitEnv } from '../git/exec'

/**
 * How a document gets its `version` or `locale`: a pattern over its root-relative path holds a
 * `{version}` / `{locale}` placeholder (or the literal form `{locale:fr}`), the first pattern that
 * matches wins; a front matter field (`version` / `locale` unless named or `false`) wins over the
 * patterns, since a page that says what it is knows best; `fromRef` (version only) takes the git
 * ref being synced; `default` covers the rest.
 */
export interface AttributeRule {
  patterns?: string[]
  frontmatter?: string | false
  /** Version only: the git ref synced (the `ref` option, else the tag at HEAD, else the branch). */
  fromRef?: boolean
  default?: string
}

/** The option as a user writes it: one value for every document, or a rule. */
export type AttributeRuleOption = string | AttributeRule

export type RuleName = 'version' | 'locale'
export const RULE_NAMES: RuleName[] = ['version', 'locale']

/** A rule checked and compiled once: what the scan applies to each document. */
export interface CompiledRule {
  name: RuleName
  rule: AttributeRule
  matchers: { pattern: string; regex: RegExp }[]
  /** The ref's name, worked out once per run when `fromRef` is set. */
  ref?: string
}

const PLACEHOLDER = /\{(version|locale)(?::([^{}]+))?\}/g
/** The same, anchored where it is tried (its own object: a shared lastIndex would leak between uses). */
const PLACEHOLDER_AT = /\{(version|locale)(?::([^{}]+))?\}/y
const RULE_KEYS = ['patterns', 'frontmatter', 'fromRef', 'default']

const escape = (s: string) => s.replace(/[.+^$()|[\]\\]/g, '\\$&')

/**
 * A glob (`*`, `**`, `?`, `{a,b}`) with placeholders, as a regular expression whose group `value`
 * is the placeholder's text. Written here rather than through picomatch so the capture group
 * survives: a placeholder takes part of one path segment (`version-{version}`, `*.{locale}.md`).
 */
export function patternRegex(pattern: string, name: RuleName): RegExp {
  let source = ''
  let depth = 0
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!
    PLACEHOLDER_AT.lastIndex = i
    const placeholder = ch === '{' ? PLACEHOLDER_AT.exec(pattern) : null
    if (placeholder) {
      const literal = placeholder[2]
      source += placeholder[1] === name ? `(?<value>${literal ? escape(literal) : '[^/]+'})` : '[^/]+'
      i += placeholder[0].length - 1
    } else if (ch === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/'
      source += slash ? '(?:[^/]+/)*' : '.*'
      i += slash ? 2 : 1
    } else if (ch === '*') source += '[^/]*'
    else if (ch === '?') source += '[^/]'
    else if (ch === '{') {
      source += '(?:'
      depth++
    } else if (ch === '}' && depth > 0) {
      source += ')'
      depth--
    } else if (ch === ',' && depth > 0) source += '|'
    else source += escape(ch)
  }
  return new RegExp(`^${source}$`)
}

/** Every problem with a `version` / `locale` option, each naming the fix; [] when it is fine. */
export function ruleProblems(name: RuleName, value: unknown, maxValueLength: number): string[] {
  if (value === undefined) return []
  const tooLong = (what: string, v: string) =>
    v.length > maxValueLength
      ? [`${what} is longer than the store's ${maxValueLength}-character attribute limit: use a shorter value`]
      : []
  if (typeof value === 'string')
    return value.trim()
      ? tooLong(name, value)
      : [`${name} is empty: give a value such as "2.x", or a rule { patterns, default }`]
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return [
      `${name} must be a string or a rule { patterns, frontmatter, ${name === 'version' ? 'fromRef, ' : ''}default }, got ${JSON.stringify(value)}`,
    ]
  const rule = value as Record<string, unknown>
  const problems: string[] = []
  for (const key of Object.keys(rule))
    if (!RULE_KEYS.includes(key) || (key === 'fromRef' && name !== 'version'))
      problems.push(
        `${name}.${key} is not a rule setting: use ${RULE_KEYS.filter(k => k !== 'fromRef' || name === 'version').join(', ')}`,
      )
  if (rule.patterns !== undefined) {
    if (!Array.isArray(rule.patterns))
      problems.push(`${name}.patterns must be a list of globs holding {${name}}, e.g. ["${example(name)}"]`)
    else rule.patterns.forEach((p, i) => problems.push(...patternProblems(name, p, i)))
  }
  if (
    rule.frontmatter !== undefined &&
    rule.frontmatter !== false &&
    (typeof rule.frontmatter !== 'string' || !rule.frontmatter.trim())
  )
    problems.push(`${name}.frontmatter must be a front matter field name, or false`)
  if (rule.fromRef !== undefined && typeof rule.fromRef !== 'boolean')
    problems.push(`${name}.fromRef must be true or false`)
  if (rule.default !== undefined) {
    if (typeof rule.default !== 'string' || !rule.default.trim())
      problems.push(`${name}.default must be a non-empty string, e.g. "${name === 'version' ? 'current' : 'en'}"`)
    else problems.push(...tooLong(`${name}.default`, rule.default))
  }
  return problems
}

const example = (name: RuleName) => (name === 'version' ? 'versioned_docs/version-{version}/**' : 'i18n/{locale}/**')

function patternProblems(name: RuleName, pattern: unknown, i: number): string[] {
  const field = `${name}.patterns[${i}]`
  if (typeof pattern !== 'string' || !pattern.trim())
    return [`${field} must be a glob string holding {${name}}, e.g. "${example(name)}"`]
  const own = [...pattern.matchAll(PLACEHOLDER)].filter(m => m[1] === name)
  if (own.length !== 1)
    return [`${field} "${pattern}" must hold {${name}} (or {${name}:value}) exactly once, e.g. "${example(name)}"`]
  let depth = 0
  for (const ch of pattern.replace(PLACEHOLDER, '')) {
    if (ch === '{') depth++
    if (ch === '}' && --depth < 0) break
  }
  return depth === 0 ? [] : [`${field} "${pattern}" has unbalanced braces: fix the glob`]
}

/** A string option as the rule it means: that value for every document. */
export function normalRule(value: AttributeRuleOption | undefined): AttributeRule | undefined {
  if (value === undefined) return undefined
  return typeof value === 'string' ? { frontmatter: false, default: value } : value
}

/**
 * The name of the ref being synced: the `ref` option (without `refs/heads/` or `refs/tags/`), else
 * the tag pointing at HEAD, else the checked-out branch; undefined on a detached HEAD with no tag
 * or outside a repository (the rule's default then applies). Two git processes at most, only when
 * a rule asks for it.
 */
export function refName(root: string, ref: string | undefined): string | undefined {
  if (ref) return ref.replace(/^refs\/(?:heads|tags|remotes)\//, '')
  const run = (args: string[]) => {
    try {
      return (
        execFileSync('git', args, {
          cwd: root,
          env: gitEnv(),
          stdio: ['ignore', 'pipe', 'ignore'],
          encoding: 'utf8',
        }).trim() || undefined
      )
    } catch {
      return undefined
    }
  }
  return run(['describe', '--tags', '--exact-match', 'HEAD']) ?? run(['symbolic-ref', '--short', '-q', 'HEAD'])
}

export function compileRule(name: RuleName, rule: AttributeRule, root: string, ref: string | undefined): CompiledRule {
  return {
    name,
    rule,
    matchers: (rule.patterns ?? []).map(pattern => ({ pattern, regex: patternRegex(pattern, name) })),
    ...(name === 'version' && rule.fromRef ? { ref: refName(root, ref) } : {}),
  }
}

/**
 * The document's value under the rule, or undefined when nothing gives one. `source` is the file
 * a rendered page was made from (a framework reports it): when no pattern matches the page's own
 * path, the source's path is tried, so `build/docs/intro/index.html` takes the version of
 * `versioned_docs/version-1.0/intro.md`.
 */
export function ruleValue(
  compiled: CompiledRule,
  path: string,
  frontmatter: Record<string, unknown>,
  source?: string,
): string | undefined {
  const { rule } = compiled
  const field = rule.frontmatter === undefined ? compiled.name : rule.frontmatter
  if (field !== false) {
    const given = frontmatter[field]
    if ((typeof given === 'string' && given.trim()) || typeof given === 'number') return String(given).trim()
  }
  for (const candidate of source === undefined ? [path] : [path, source]) {
    for (const { regex } of compiled.matchers) {
      const value = regex.exec(candidate)?.groups?.value
      if (value) return value
    }
  }
  return compiled.ref ?? rule.default
}

/** What goes into the attribute fingerprint: a changed rule (or ref) re-tags the documents. */
export function ruleKey(compiled: CompiledRule): unknown {
  return { rule: compiled.rule, ...(compiled.ref !== undefined ? { ref: compiled.ref } : {}) }
}
