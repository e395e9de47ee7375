// LangChain.js's indexing API as its docs show it: read the pages, split them with
// RecursiveCharacterTextSplitter, and let index() (a PostgresRecordManager beside a vector store)
// add what is new, skip what it has seen and, with cleanup "full", delete what is gone.
//
//   node bench/peer/index.mjs ROOT [--hnsw | --qdrant | --chroma | --lancedb | --pinecone]
//
// DATABASE_URL names the PostgreSQL server (the record manager's, and with PGVectorStore the
// vectors'), OPENAI_API_KEY and OPENAI_BASE_URL the embeddings. The other stores, each as its
// LangChain integration documents it, all named `langchain`:
//   --qdrant    QdrantVectorStore (@langchain/qdrant), collection at QDRANT_URL with QDRANT_API_KEY
//   --chroma    Chroma (@langchain/community), collection on the server at CHROMA_URL
//   --lancedb   LanceDB (@langchain/community), table in the folder LANCEDB_URI
//   --pinecone  PineconeStore (@langchain/pinecone), namespace of the index PINECONE_INDEX, found
//               through the control plane at PINECONE_CONTROLLER_HOST with PINECONE_API_KEY
// Prints one JSON line: index()'s counts and the chunks it was given.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { index } from '@langchain/core/indexing'
import { Document } from '@langchain/core/documents'
import { PostgresRecordManager } from '@langchain/community/indexes/postgres'
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector'
import { OpenAIEmbeddings } from '@langchain/openai'
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters'

const STORES = ['qdrant', 'chroma', 'lancedb', 'pinecone']
const root = process.argv[2]
const hnsw = process.argv.includes('--hnsw')
const store = STORES.find(s => process.argv.includes(`--${s}`)) ?? 'pgvector'
if (!root || !process.env.DATABASE_URL) {
  process.stderr.write(
    `usage: DATABASE_URL=postgres://... node index.mjs ROOT [--hnsw | ${STORES.map(s => `--${s}`).join(' | ')}]\n`,
  )
  process.exit(2)
}
const DIMENSIONS = 1536
const NAME = 'langchain'

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

async function openStore() {
  if (store === 'qdrant') {
    const { QdrantVectorStore } = await import('@langchain/qdrant')
    return new QdrantVectorStore(embeddings, {
      url: process.env.QDRANT_URL,
      apiKey: process.env.QDRANT_API_KEY,
      collectionName: NAME,
    })
  }
  if (store === 'chroma') {
    const { Chroma } = await import('@langchain/community/vectorstores/chroma')
    return new Chroma(embeddings, { url: process.env.CHROMA_URL, collectionName: NAME })
  }
  if (store === 'lancedb') {
    const { LanceDB } = await import('@langchain/community/vectorstores/lancedb')
    const { connect } = await import('@lancedb/lancedb')
    // Left to itself, LanceDB creates its table in "overwrite" mode at the first add of every
    // process, so a later run would drop what the earlier ones stored: as its docs show, a table
    // that exists is opened and handed over.
    const db = await connect(process.env.LANCEDB_URI)
    if ((await db.tableNames()).includes(NAME)) return new LanceDB(embeddings, { table: await db.openTable(NAME) })
    return new LanceDB(embeddings, { uri: process.env.LANCEDB_URI, tableName: NAME })
  }
  if (store === 'pinecone') {
    const { PineconeStore } = await import('@langchain/pinecone')
    const { Pinecone } = await import('@pinecone-database/pinecone')
    const pinecone = new Pinecone({
      apiKey: process.env.PINECONE_API_KEY,
      controllerHostUrl: process.env.PINECONE_CONTROLLER_HOST,
    })
    return new PineconeStore(embeddings, { pineconeIndex: pinecone.Index(process.env.PINECONE_INDEX), namespace: NAME })
  }
  return PGVectorStore.initialize(embeddings, {
    postgresConnectionOptions,
    tableName: 'langchain_pg_embedding',
    dimensions: DIMENSIONS,
    distanceStrategy: 'cosine',
  })
}

const vectorStore = await openStore()
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
  if (store === 'pgvector') await vectorStore.end()
  await recordManager.end()
}
