/**
 * MDX and Markdoc pages as the readable text a vector store should index. A store reads an
 * .mdx file as plain Markdown, so `import Tabs from '@theme/Tabs'`, `<TabItem value="npm">` and
 * `{props.x}` would sit in the index as if they were prose and crowd out the words people search.
 * This reducer keeps the prose and the code, drops the code-only parts, without an MDX compiler:
 * it works line by line for the block syntax (front matter, ESM, fences, admonitions) and
 * character by character for JSX tags and expressions, skipping code spans and code blocks.
 */

/** Bumped whenever the output changes, so stores holding the old text are re-indexed. */
export const MDX_TEXT_VERSION = 1

/** Pages converted before upload; the rest go up byte for byte. */
export const CONVERTED = /\.(?:mdx|mdoc|markdoc)$/i

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/
const FENCE = /^\s*(`{3,}|~{3,})/
const ADMONITION_OPEN = /^(\s*):{3,}[ \t]*([A-Za-z][\w-]*)(?:\[([^\]]*)\]|\{[^}]*\})?[ \t]*(.*)$/
const ADMONITION_CLOSE = /^\s*:{3,}\s*$/
const ESM = /^(?:import|export)[\s{*]/
/** Attributes of a component that are prose a reader sees (a tab's label, a card's title). */
const VISIBLE_ATTRIBUTES = new Set(['title', 'label', 'heading', 'summary', 'alt'])

/** The title front matter gives, when it gives one. */
function frontMatterTitle(yaml: string): string | undefined {
  const match = /^title:[ \t]*(.+?)[ \t]*$/m.exec(yaml)
  if (!match) return undefined
  const value = match[1].replace(/^(['"])(.*)\1$/, '$2').trim()
  return value || undefined
}

/** Where an ESM statement starting at line `i` ends (inclusive): brackets balanced, nothing left dangling. */
function endOfStatement(lines: string[], i: number): number {
  let depth = 0
  for (let j = i; j < lines.length; j++) {
    const line = lines[j]
    for (const ch of line.replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""')) {
      if ('({['.includes(ch)) depth++
      else if (')}]'.includes(ch)) depth--
    }
    const dangling = /(?:[=,(\[{+\-*/&|?:]|=>|\bfrom)\s*$/.test(line) || /^\s*import\s*$/.test(line)
    if (depth <= 0 && !dangling) return j
    if (lines[j + 1] !== undefined && lines[j + 1].trim() === '' && depth <= 0) return j
  }
  return lines.length - 1
}

/** The index just past a balanced `{ ... }` starting at `start`, minding strings and comments. */
function endOfExpression(text: string, start: number): number {
  let depth = 0
  for (let i = start; i < text.length; i++) {
    const ch = text[i]
    if (ch === '"' || ch === "'" || ch === '`') {
      i++
      while (i < text.length && text[i] !== ch) i += text[i] === '\\' ? 2 : 1
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2)
      i = close < 0 ? text.length : close + 1
    } else if (ch === '{') depth++
    else if (ch === '}' && --depth === 0) return i + 1
  }
  return text.length
}

/** The text an expression shows: a string literal's value; nothing for code or a comment. */
function expressionText(source: string): string {
  const inner = source.slice(1, -1).trim()
  const literal = /^(['"`])((?:\\.|(?!\1)[^\\])*)\1$/s.exec(inner)
  if (literal && !(literal[1] === '`' && literal[2].includes('${'))) return literal[2].replace(/\\(.)/g, '$1')
  return ''
}

/** The index just past a JSX tag starting at `start` (`<`), minding quoted and `{}` attributes. */
function endOfTag(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]
    if (ch === '"' || ch === "'") {
      const close = text.indexOf(ch, i + 1)
      i = close < 0 ? text.length : close
    } else if (ch === '{') i = endOfExpression(text, i) - 1
    else if (ch === '>') return i + 1
  }
  return text.length
}

/** The visible words of a tag: the string values of attributes such as `label` and `title`. */
function tagText(tag: string): string {
  const words: string[] = []
  for (const match of tag.matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*(['"])(.*?)\4\s*\})/g)) {
    if (VISIBLE_ATTRIBUTES.has(match[1])) words.push(match[2] ?? match[3] ?? match[5] ?? '')
  }
  return words.filter(Boolean).join(' ')
}

/** Prose with JSX tags, `{expressions}` and Markdoc `{% tags %}` reduced to their text. */
function reduceInline(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (ch === '\\' && i + 1 < text.length && '{}<>'.includes(text[i + 1])) {
      out += text[i + 1]
      i += 2
    } else if (ch === '`') {
      // A code span is kept verbatim: `<Tabs>` in backticks is what the page shows.
      const run = /^`+/.exec(text.slice(i))![0]
      const close = text.indexOf(run, i + run.length)
      const end = close < 0 ? i + run.length : close + run.length
      out += text.slice(i, end)
      i = end
    } else if (ch === '<' && text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4)
      i = close < 0 ? text.length : close + 3
    } else if (ch === '<' && /^<[a-z][\w+.-]*:\/\/[^\s>]+>/i.test(text.slice(i, i + 2048))) {
      // An autolink, <https://...>: the address is text.
      const close = text.indexOf('>', i)
      out += text.slice(i + 1, close)
      i = close + 1
    } else if (ch === '<' && /^<(?:\/?[A-Za-z][\w.:-]*|\/?>)/.test(text.slice(i, i + 64))) {
      const end = endOfTag(text, i)
      const words = tagText(text.slice(i, end))
      out += words ? `${words} ` : ''
      i = end
    } else if (ch === '{' && text[i + 1] === '%') {
      const close = text.indexOf('%}', i + 2)
      i = close < 0 ? text.length : close + 2
    } else if (ch === '{') {
      const end = endOfExpression(text, i)
      out += expressionText(text.slice(i, end))
      i = end
    } else {
      out += ch
      i++
    }
  }
  return out
}

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)

/**
 * The page as readable Markdown: front matter dropped (its title becomes the first heading when
 * the page has none), `import`/`export` statements dropped, components reduced to the text they
 * wrap, expressions to the strings they show, `:::note Title` admonitions to `Note: Title`, and
 * fenced code blocks kept as written.
 */
export function mdxToText(source: string): string {
  let text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  let title: string | undefined
  const front = FRONT_MATTER.exec(text)
  if (front) {
    title = frontMatterTitle(front[1])
    text = text.slice(front[0].length)
  }

  const lines = text.split('\n')
  const out: string[] = []
  let prose: string[] = []
  const flushProse = () => {
    if (prose.length) out.push(...reduceInline(prose.join('\n')).split('\n'))
    prose = []
  }

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const fence = FENCE.exec(line)
    if (fence) {
      flushProse()
      const marker = fence[1]
      out.push(line)
      while (++i < lines.length) {
        out.push(lines[i])
        if (lines[i].trimStart().startsWith(marker) && lines[i].trim().replace(/[`~]/g, '') === '') break
      }
      continue
    }
    if (ESM.test(line)) {
      flushProse()
      i = endOfStatement(lines, i)
      continue
    }
    if (ADMONITION_CLOSE.test(line)) {
      prose.push('')
      continue
    }
    const admonition = ADMONITION_OPEN.exec(line)
    if (admonition) {
      const [, indent, kind, bracketTitle, rest] = admonition
      const label = (bracketTitle ?? rest).trim()
      prose.push(`${indent}${capitalised(kind)}:${label ? ` ${label}` : ''}`)
      continue
    }
    prose.push(line)
  }
  flushProse()

  // Lines left holding only a removed tag's indentation are dropped; runs of blank lines shrink.
  let result = out
    .map(l => (l.trim() === '' ? '' : l.replace(/[ \t]+$/, '')))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
  if (title && !/^#[ \t]/m.test(result)) result = `# ${title}\n\n${result}`
  return `${result}\n`
}
