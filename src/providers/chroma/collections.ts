/**
 * The connection to a Chroma server (the client and how many records one request may carry) and
 * its collections, each opened once; every error made one line naming the fix.
 */
import { Reconnecting } from '../shared/chunk-store'
import { chromaError, isNotFound, NO_EMBEDDING, openClient, type ChromaClient, type Collection } from './client'
import type { ResolvedChromaOptions } from './options'

export interface ChromaSession {
  client: ChromaClient
  maxBatch: number
}

export async function openSession(resolved: ResolvedChromaOptions): Promise<ChromaSession> {
  const client = await openClient(resolved)
  try {
    // The server says how many records one request may carry.
    return { client, maxBatch: Math.max(1, await client.getMaxBatchSize()) }
  } catch (error) {
    throw chromaError(error, resolved)
  }
}

export class ChromaCollections {
  private opened = new Map<string, Promise<Collection>>()

  constructor(
    private readonly resolved: ResolvedChromaOptions,
    private readonly session: Reconnecting<ChromaSession>,
  ) {}

  clear(): void {
    this.opened.clear()
  }

  /** A collection just created, kept as opened. */
  add(collection: Collection): void {
    this.opened.set(collection.name, Promise.resolve(collection))
  }

  /** The collection, or undefined when it does not exist; always asked of the server (it may have been deleted). */
  async find(name: string): Promise<Collection | undefined> {
    this.opened.delete(name)
    try {
      return await this.open(name)
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw chromaError(error, this.resolved)
    }
  }

  /** The collection, opened once; its errors made one line. */
  async get(name: string): Promise<Collection> {
    try {
      return await this.open(name)
    } catch (error) {
      throw chromaError(error, this.resolved, name)
    }
  }

  async call<T>(fn: () => Promise<T>, collection?: string): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw chromaError(error, this.resolved, collection)
    }
  }

  private open(name: string): Promise<Collection> {
    let found = this.opened.get(name)
    if (!found) {
      found = this.session.get().then(({ client }) => client.getCollection({ name, embeddingFunction: NO_EMBEDDING }))
      found.catch(() => this.opened.delete(name))
      this.opened.set(name, found)
    }
    return found
  }
}
