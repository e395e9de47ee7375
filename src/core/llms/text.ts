import { parseFrontMatter } from '../scan/attributes'
import { CONVERTED, mdxToText } from '../scan/mdx-text'

const HTML = /\.html?$/i
const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  zerowidthspace: '',
}

function decode(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1))
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[name.toLowerCase()] ?? whole
  })
}

/**
 * A rendered page as Markdown-ish text: its `<main>` (else `<body>`), without scripts, styles and
 * the site's navigation, headings as `#` lines, list items as `- `. Enough for a reader model;
 * a store still gets the HTML itself.
 */
export function htmlToText(html: string): string {
  let body = /<main[\s>][\s\S]*<\/main>/i.exec(html)?.[0] ?? /<body[\s>][\s\S]*<\/body>/i.exec(html)?.[0] ?? html
  body = body
    .replace(/<(script|style|noscript|template|svg|nav|header|footer|aside|button)[\s>][\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    // The `#` links docs themes put beside headings.
    .replace(/<a\b[^>]*class=["'][^"']*header-anchor[^"']*["'][^>]*>[\s\S]*?<\/a>/gi, '')
  // Code blocks keep their line breaks; everything else has its whitespace folded.
  const blocks: string[] = []
  body = body.replace(/<pre[\s>][\s\S]*?<\/pre>/gi, pre => {
    blocks.push(`\n\n\`\`\`\n${decode(pre.replace(/<[^>]+>/g, '')).replace(/\n+$/, '')}\n\`\`\`\n\n`)
    return `\u0000${blocks.length - 1}\u0000`
  })
  body = body
    .replace(/\s+/g, ' ')
    .replace(
      /<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/gi,
      (_, level: string, inner: string) =>
        `\n\n${'#'.repeat(Number(level))} ${inner.replace(/<[^>]+>/g, '').trim()}\n\n`,
    )
    .replace(/<li[^>]*>/gi, '\n- ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(tr|dt)>/gi, '\n')
    .replace(/<\/(p|div|section|article|table|ul|ol|blockquote|dl|dd)>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
  const text = decode(body)
    .replace(/\u200B/g, '')
    .split('\n')
    .map(l => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
  return text
    .replace(/\u0000(\d+)\u0000/g, (_, i: string) => blocks[Number(i)])
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** A document's readable text and front matter `description`: MDX as the upload converts it, HTML reduced to text. */
export async function readableText(path: string, source: string): Promise<{ text: string; description?: string }> {
  const { data, body } = await parseFrontMatter(source)
  const description =
    typeof data.description === 'string' && data.description.trim()
      ? data.description.replace(/\s+/g, ' ').trim()
      : undefined
  if (CONVERTED.test(path)) return { text: mdxToText(source).trim(), description }
  if (HTML.test(path)) {
    const meta = /<meta\s+name=["']description["']\s+content=["']([^"']*)["']/i.exec(source)?.[1]
    return { text: htmlToText(source), description: description ?? (meta?.trim() ? decode(meta.trim()) : undefined) }
  }
  return { text: body.replace(/\r\n?/g, '\n').trim(), description }
}

/** The text without a leading `# heading` that repeats the title (llms-full.txt puts the title above it). */
export function withoutTitle(text: string, title: string): string {
  const first = /^#[ \t]+(.+?)[ \t#]*(?:\n|$)/.exec(text)
  if (!first || first[1].trim() !== title.trim()) return text
  return text.slice(first[0].length).trim()
}
