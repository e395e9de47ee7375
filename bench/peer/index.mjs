// LangChain.js's indexing API as its docs show it: read the pages, split them with
// RecursiveCharacterTextSplitter, and let index() (a PostgresRecordManager beside a PGVectorStore)
// add what is new, skip what it has seen and, with cleanup "full", delete what is gone.
//
//   node bench/peer/index.mjs ROOT [--hnsw | --qdrant]
//
// DATABASE_URL names the PostgreSQL server (the record manager's, and with PGVectorStore the
// vectors'), OPENAI_API_KEY and OPENAI_BASE_URL the embeddings; with --qdrant the vectors go to a
// QdrantVectorStore (collection `langchain`) at QDRANT_URL with QDRANT_API_KEY.
// Prints one JSON line: index()'s counts and the chunks it was given.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { index } from '@langchain/core/indexing'
import { Document } from '@langchain/core/documents'
import { PostgresRecordManager } from '@langchain/community/indexes/postgres'
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector'
import { OpenAIEmbeddings } from '@langchain/openai'
import { QdrantVectorStore } from '@langchain/qdrant'
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters'

const root = process.argv[2]
const hnsw = process.argv.includes('--hnsw')
const qdrant = process.argv.includes('--qdrant')
if (!root || !process.env.DATABASE_URL) {
  process.stderr.write('usage: DATABASE_URL=postgres://... node index.mjs ROOT [--hnsw | --qdrant]\n')
  process.exit(2)
}
const DIMENSIONS = 1536

function listPages(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue
    if (e.isDirectory()) listPages(join(dir, e.name), out)
    else if (e.name.endsWith('.md')) out.push(join(dir, e.name))
  }
  return out
}

const pages = listPages(root)
  .sort()
  .map(
    path =>
      new Document({
        pageContent: readFileSync(path, 'utf8'),
        metadata: { source: relative(root, path).split(sep).join('/') },
      }),
  )
const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 1500, chunkOverlap: 200 })
const chunks = await splitter.splitDocuments(pages)

const postgresConnectionOptions = { connectionString: process.env.DATABASE_URL }
const embeddings = new OpenAIEmbeddings({ model: 'text-embedding-3-small' })
const vectorStore = qdrant
  ? new QdrantVectorStore(embeddings, {
      url: process.env.QDRANT_URL,
      apiKey: process.env.QDRANT_API_KEY,
      collectionName: 'langchain',
    })
  : await PGVectorStore.initialize(embeddings, {
      postgresConnectionOptions,
      tableName: 'langchain_pg_embedding',
      dimensions: DIMENSIONS,
      distanceStrategy: 'cosine',
    })
// As the PGVectorStore docs set it up: the index exists before the first document goes in.
if (hnsw) await vectorStore.createHnswIndex({ dimensions: DIMENSIONS })
const recordManager = new PostgresRecordManager('bench/pages', { postgresConnectionOptions })
await recordManager.createSchema()

try {
  const result = await index({
    docsSource: chunks,
    recordManager,
    vectorStore,
    options: { cleanup: 'full', sourceIdKey: 'source' },
  })
  process.stdout.write(`${JSON.stringify({ ...result, pages: pages.length, chunks: chunks.length })}\n`)
} finally {
  if (!qdrant) await vectorStore.end()
  await recordManager.end()
}
