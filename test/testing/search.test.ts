import type OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { hashEmbedding } from '../../src/testing'
import { raw, start, upload } from './helpers'

const DOCS = [
  {
    name: 'cats.md',
    text: 'Cats purr when content. A cat sleeps most of the day and purrs on laps.',
    attributes: { lang: 'en', year: 2021, draft: false },
  },
  {
    name: 'dogs.md',
    text: 'Dogs bark at strangers and fetch sticks. A dog needs walks.',
    attributes: { lang: 'en', year: 2023, draft: false },
  },
  {
    name: 'chats.md',
    text: 'Les chats ronronnent. The French word for cats is chats.',
    attributes: { lang: 'fr', year: 2024, draft: true },
  },
  {
    name: 'engines.md',
    text: 'Diesel engines compress air before injecting fuel.',
    attributes: { lang: 'en', year: 2020, draft: false },
  },
]

async function seeded(client: OpenAI) {
  const store = await client.vectorStores.create({ name: 'search' })
  const files = await Promise.all(DOCS.map(d => upload(client, d.name, d.text)))
  await client.vectorStores.fileBatches.createAndPoll(store.id, {
    files: files.map((f, i) => ({ file_id: f.id, attributes: DOCS[i]!.attributes })),
  })
  const byName = Object.fromEntries(files.map(f => [f.filename, f.id]))
  return { store, byName }
}

describe('vector store search', () => {
  it('ranks the document that shares the query words first, with scores in 0..1', async () => {
    const { client } = await start()
    const { store, byName } = await seeded(client)
    const page = await client.vectorStores.search(store.id, { query: 'why do cats purr' })
    expect(page.data[0]).toMatchObject({
      file_id: byName['cats.md'],
      filename: 'cats.md',
      attributes: DOCS[0]!.attributes,
    })
    expect(page.data[0]!.content[0]).toEqual({ type: 'text', text: DOCS[0]!.text })
    expect(page.data.map(r => r.filename)).not.toContain('engines.md')
    for (const hit of page.data) (expect(hit.score).toBeGreaterThan(0), expect(hit.score).toBeLessThanOrEqual(1))
    const scores = page.data.map(r => r.score)
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
  })

  it('applies comparison and compound filters over attributes', async () => {
    const { client } = await start()
    const { store } = await seeded(client)
    const names = async (filters: unknown) =>
      (await client.vectorStores.search(store.id, { query: 'cats dogs engines', filters: filters as any })).data
        .map(r => r.filename)
        .sort()
    expect(await names({ type: 'eq', key: 'lang', value: 'fr' })).toEqual(['chats.md'])
    expect(await names({ type: 'ne', key: 'lang', value: 'fr' })).toEqual(['cats.md', 'dogs.md', 'engines.md'])
    expect(await names({ type: 'gte', key: 'year', value: 2023 })).toEqual(['chats.md', 'dogs.md'])
    expect(await names({ type: 'lt', key: 'year', value: 2021 })).toEqual(['engines.md'])
    expect(await names({ type: 'in', key: 'year', value: [2020, 2024] })).toEqual(['chats.md', 'engines.md'])
    expect(await names({ type: 'nin', key: 'year', value: [2020, 2024] })).toEqual(['cats.md', 'dogs.md'])
    expect(await names({ type: 'eq', key: 'draft', value: true })).toEqual(['chats.md'])
    expect(
      await names({
        type: 'and',
        filters: [
          { type: 'eq', key: 'lang', value: 'en' },
          { type: 'gt', key: 'year', value: 2020 },
        ],
      }),
    ).toEqual(['cats.md', 'dogs.md'])
    expect(
      await names({
        type: 'or',
        filters: [
          { type: 'eq', key: 'lang', value: 'fr' },
          { type: 'lte', key: 'year', value: 2020 },
        ],
      }),
    ).toEqual(['chats.md', 'engines.md'])
    await expect(
      client.vectorStores.search(store.id, { query: 'x', filters: { type: 'like', key: 'a', value: 'b' } as any }),
    ).rejects.toMatchObject({ status: 400 })
  })

  it('searches only completed files', async () => {
    const { client } = await start({
      faults: {
        failFile: f => (f.filename === 'failed.md' ? 'no' : undefined),
        stuckFile: f => f.filename === 'pending.md',
      },
    })
    const { store, byName } = await seeded(client)
    const failed = await upload(client, 'failed.md', 'cats cats cats purr purr')
    const pending = await upload(client, 'pending.md', 'cats cats cats purr purr')
    await client.vectorStores.files.createAndPoll(store.id, { file_id: failed.id })
    await client.vectorStores.files.create(store.id, { file_id: pending.id })
    const hits = (await client.vectorStores.search(store.id, { query: 'cats purr' })).data.map(r => r.file_id)
    expect(hits).not.toContain(failed.id)
    expect(hits).not.toContain(pending.id)
    expect(hits[0]).toBe(byName['cats.md'])
  })

  it('honours max_num_results, score_threshold, query lists and rewrite_query', async () => {
    const { client, server } = await start()
    const { store } = await seeded(client)
    expect((await client.vectorStores.search(store.id, { query: 'cats', max_num_results: 1 })).data).toHaveLength(1)
    await expect(client.vectorStores.search(store.id, { query: 'cats', max_num_results: 51 })).rejects.toMatchObject({
      status: 400,
    })
    const all = (await client.vectorStores.search(store.id, { query: 'cats' })).data
    const strict = (
      await client.vectorStores.search(store.id, { query: 'cats', ranking_options: { score_threshold: all[0]!.score } })
    ).data
    expect(strict.length).toBeLessThan(all.length)
    const both = (await client.vectorStores.search(store.id, { query: ['dogs', 'engines'] })).data
      .map(r => r.filename)
      .sort()
    expect(both).toEqual(['dogs.md', 'engines.md'])
    const { body: rewritten } = await raw(server, `/vector_stores/${store.id}/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'What is a dog?', rewrite_query: true }),
    })
    expect(rewritten).toMatchObject({
      object: 'vector_store.search_results.page',
      search_query: ['dog'],
      has_more: false,
      next_page: null,
    })
    expect(rewritten.data[0].filename).toBe('dogs.md')
  })

  it('ranks the page whose title names the query ahead of pages that only mention it', async () => {
    const { client } = await start()
    const store = await client.vectorStores.create({})
    const pages: Array<{ name: string; text: string; attributes: Record<string, string> }> = [
      {
        name: 'changelog.md',
        text: 'Deploy fixes. Deploy docs moved. The deploy deploy deploy script and deploy hooks changed.',
        attributes: { title: 'Changelog' },
      },
      { name: 'faq.md', text: 'Can I deploy on Fridays? Yes, deploy whenever the deploy checks pass.', attributes: {} },
      {
        name: 'guide__deploying.md',
        text: 'Push the branch and wait for the build to deploy.',
        attributes: { title: 'Deploy' },
      },
      { name: 'deploy.md', text: 'Run the release script; it ships the site to deploy targets.', attributes: {} },
    ]
    const files = await Promise.all(pages.map(p => upload(client, p.name, p.text)))
    await client.vectorStores.fileBatches.createAndPoll(store.id, {
      files: files.map((f, i) => ({ file_id: f.id, attributes: pages[i]!.attributes })),
    })
    const hits = (await client.vectorStores.search(store.id, { query: 'deploy' })).data.map(h => h.filename)
    // The pages named "deploy" (by title attribute, by file name) first, however often the others say it.
    expect(hits.slice(0, 2).sort()).toEqual(['deploy.md', 'guide__deploying.md'].sort())
    expect(hits.slice(2).sort()).toEqual(['changelog.md', 'faq.md'])
  })

  it('is deterministic', async () => {
    const { client } = await start()
    const { store } = await seeded(client)
    const once = await client.vectorStores.search(store.id, { query: 'cats purr dogs' })
    const twice = await client.vectorStores.search(store.id, { query: 'cats purr dogs' })
    expect(twice.data).toEqual(once.data)
  })
})

describe('embeddings', () => {
  const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0)

  it("returns the official shape, decoded by the SDK from base64, with the model's own length", async () => {
    const { client } = await start()
    const response = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['first text', 'second text'],
    })
    expect(response).toMatchObject({
      object: 'list',
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    })
    expect(response.data.map(d => [d.object, d.index, d.embedding.length])).toEqual([
      ['embedding', 0, 1536],
      ['embedding', 1, 1536],
    ])
    expect(Math.hypot(...response.data[0]!.embedding)).toBeCloseTo(1, 5)

    const float = await client.embeddings.create({
      model: 'm',
      input: 'first text',
      dimensions: 64,
      encoding_format: 'float',
    })
    expect(float.data[0]!.embedding).toHaveLength(64)
    expect(float.data[0]!.embedding).toEqual(hashEmbedding('first text', 64))
    await expect(client.embeddings.create({ model: 'm', input: '' })).rejects.toMatchObject({ status: 400 })
  })

  it('puts texts that share words closer than unrelated ones', async () => {
    const { client } = await start({ embeddingDimensions: 512 })
    const [query, near, far] = (
      await client.embeddings.create({
        model: 'text-embedding-3-small',
        input: [
          'how to install the package on linux',
          'Installing the package on Linux with npm',
          'Quarterly revenue grew in Europe',
        ],
      })
    ).data.map(d => d.embedding)
    expect(cosine(query!, near!)).toBeGreaterThan(cosine(query!, far!) + 0.2)
  })
})
