// The memory floor of an initial sync: the official OpenAI SDK alone uploading the same files,
// 8 at a time, and attaching them 500 to a file batch, with nothing else kept. A sync's peak RSS
// is compared with this one, measured in the same run (bench/run.ts).
//
//   OPENAI_API_KEY=... OPENAI_BASE_URL=... node bench/sdk-floor.mjs <folder>
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import OpenAI, { toFile } from 'openai'
import pLimit from 'p-limit'

const root = process.argv[2] ?? '.'
const walk = dir =>
  readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? (e.name.startsWith('.') ? [] : walk(join(dir, e.name))) : [join(dir, e.name)],
  )
const files = walk(root).filter(f => f.endsWith('.md'))
const client = new OpenAI()
const store = await client.vectorStores.create({ name: 'sdk floor' })
const limit = pLimit(8)
for (let i = 0; i < files.length; i += 500) {
  const ids = await Promise.all(
    files.slice(i, i + 500).map(file =>
      limit(async () => {
        const name = relative(root, file).replaceAll('/', '__')
        return (await client.files.create({ file: await toFile(readFileSync(file), name), purpose: 'assistants' })).id
      }),
    ),
  )
  await client.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: ids })
}
process.stdout.write(`${JSON.stringify({ files: files.length, store: store.id })}\n`)
