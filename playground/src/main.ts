// The pages, bundled as text: the same Markdown files the plugin syncs to the vector store.
const sources = import.meta.glob<string>('../docs/*.md', { query: '?raw', import: 'default', eager: true })
const pages = Object.entries(sources).map(([file, text]) => {
  const slug = file.slice('../docs/'.length, -'.md'.length)
  const body = text.replace(/^---\n[\s\S]*?\n---\n/, '')
  const title = /^title:\s*(.+)$/m.exec(text)?.[1] ?? /^# (.+)$/m.exec(body)?.[1] ?? slug
  // The route is the page's `url` attribute in the store: docs/alerts.md -> /docs/alerts.
  return { slug, route: slug === 'index' ? '/' : `/docs/${slug}`, title, body }
})

const escape = (s: string) => s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
const inline = (s: string) =>
  escape(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/&lt;(https?:[^&]+)&gt;/g, '<a href="$1">$1</a>')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<a href="$2">$1</a>')

/** Just enough Markdown for these pages: headings, lists, tables, code blocks, paragraphs. */
function render(markdown: string): string {
  const out: string[] = []
  const blocks = markdown.split(/\n(?=```)|(?<=```)\n/)
  for (const block of blocks) {
    if (block.startsWith('```')) {
      out.push(`<pre><code>${escape(block.replace(/^```\w*\n?/, '').replace(/```$/, ''))}</code></pre>`)
      continue
    }
    for (const para of block.split(/\n{2,}/).filter(p => p.trim())) {
      const lines = para.trim().split('\n')
      const heading = /^(#{1,4}) (.+)$/.exec(lines[0])
      if (heading) out.push(`<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`)
      else if (lines.every(l => l.startsWith('|'))) {
        const cells = (l: string) =>
          l
            .slice(1, -1)
            .split('|')
            .map(c => inline(c.trim()))
        const [head, , ...rows] = lines
        out.push(
          `<table><tr>${cells(head)
            .map(c => `<th>${c}</th>`)
            .join('')}</tr>${rows
            .map(
              r =>
                `<tr>${cells(r)
                  .map(c => `<td>${c}</td>`)
                  .join('')}</tr>`,
            )
            .join('')}</table>`,
        )
      } else if (lines.every(l => /^(- |\d+\. )/.test(l))) {
        const tag = lines[0].startsWith('- ') ? 'ul' : 'ol'
        out.push(`<${tag}>${lines.map(l => `<li>${inline(l.replace(/^(- |\d+\. )/, ''))}</li>`).join('')}</${tag}>`)
      } else out.push(`<p>${inline(para)}</p>`)
    }
  }
  return out.join('\n')
}

const path = location.pathname.replace(/\/$/, '') || '/'
const current =
  pages.find(p => p.route === path || (path === '/docs' && p.slug === 'index')) ?? pages.find(p => p.slug === 'index')!
document.title = `${current.title} · Lanternfish`
document.querySelector('#page')!.innerHTML = render(current.body)
const nav = document.querySelector('#nav')!
for (const page of pages.sort((a, b) =>
  a.slug === 'index' ? -1 : b.slug === 'index' ? 1 : a.title.localeCompare(b.title),
)) {
  const link = Object.assign(document.createElement('a'), { href: page.route, textContent: page.title })
  if (page === current) link.className = 'active'
  nav.append(link)
}
