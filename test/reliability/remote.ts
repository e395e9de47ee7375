import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI, { toFile } from 'openai'
import type { SyncState } from '../../src/core/state/types'
import type { OpenAIServer } from '../../src/testing'
import { sha256 } from './helpers'

/** Changes made to the store "by hand", as a user or another tool would, through the real SDK. */
export function byHand(server: OpenAIServer) {
  const client = new OpenAI({ apiKey: 'sk-by-hand', baseURL: server.url })
  return {
    client,
    /** A bare File object, attached to nothing. */
    async upload(name: string, content: string): Promise<string> {
      return (await client.files.create({ file: await toFile(Buffer.from(content), name), purpose: 'assistants' })).id
    },
    /** Uploads and attaches a document; `attributes` as given (none, or vectornator's own). */
    async attach(storeId: string, name: string, content: string, attributes?: Record<string, string>): Promise<string> {
      const id = await this.upload(name, content)
      await client.vectorStores.files.createAndPoll(storeId, { file_id: id, ...(attributes ? { attributes } : {}) })
      return id
    },
    /** A copy of a document as vectornator would have written it (its `path` and `sha256` attributes). */
    attachAsVectornator(storeId: string, path: string, content: string): Promise<string> {
      return this.attach(storeId, path.replace(/\//g, '__'), content, { path, sha256: sha256(content), title: path })
    },
    async remove(storeId: string, fileId: string): Promise<void> {
      await client.vectorStores.files.delete(fileId, { vector_store_id: storeId })
      await client.files.delete(fileId)
    },
  }
}

export const statePath = (root: string) => join(root, '.vectornator', 'metadata.json')
export const loadState = (root: string) => JSON.parse(readFileSync(statePath(root), 'utf8')) as SyncState
