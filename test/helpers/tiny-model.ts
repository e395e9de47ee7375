/**
 * A tiny sentence model, made here rather than downloaded: an ONNX graph encoded by hand (one
 * Gather from an embedding table: input_ids [batch, seq] → last_hidden_state [batch, seq, dim]),
 * a WordPiece tokenizer.json over the table's vocabulary, and the two config files
 * Transformers.js reads. Words of one topic share a direction in the table, so mean-pooled
 * sentence vectors of related words are close although the words differ.
 */
import { createServer, type Server } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { AddressInfo } from 'node:net'

/** Topic words: each topic is one axis of the table; a word's vector leans on its topic's axis. */
export const TOPICS: Record<string, string[]> = {
  publishing: ['publish', 'deploy', 'website', 'site', 'hosting', 'release', 'online', 'live', 'server', 'domain'],
  cooking: ['recipe', 'bake', 'oven', 'bread', 'flour', 'dough', 'kitchen', 'cook'],
  pets: ['cat', 'dog', 'kitten', 'puppy', 'leash', 'vet', 'pet', 'feed'],
  weather: ['rain', 'storm', 'cloud', 'forecast', 'wind', 'umbrella', 'sunny', 'weather'],
}
const FILLER = ['how', 'do', 'i', 'the', 'a', 'to', 'my', 'your', 'and', 'of', 'is', 'it', 'with', 'on', 'in', 'for']
const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]']

export interface TinyModel {
  /** Model id, e.g. `tiny/words-v1`. */
  id: string
  dimensions: number
  /** File name (as the hub serves it) → bytes. */
  files: Record<string, Buffer>
}

/** The model's files; `seed` varies the table (two seeds are two different models of one vocabulary). */
export function tinyModel(id: string, { seed = 1 }: { seed?: number } = {}): TinyModel {
  const topics = Object.keys(TOPICS)
  // One axis per topic, one for filler words, one per seed so two models' vectors differ.
  const dimensions = topics.length + 2
  const vocab = [...SPECIAL, ...FILLER, ...topics.flatMap(t => TOPICS[t]!)]
  const random = mulberry32(seed)
  const table = new Float32Array(vocab.length * dimensions)
  vocab.forEach((word, row) => {
    const topic = topics.findIndex(t => TOPICS[t]!.includes(word))
    const vector = table.subarray(row * dimensions, (row + 1) * dimensions)
    if (SPECIAL.includes(word)) return // [CLS], [SEP], [UNK]: no direction, they do not pull a sentence anywhere
    if (topic >= 0) {
      vector[topic] = 1
      for (let d = 0; d < dimensions; d++) if (d !== topic) vector[d] += 0.15 * random()
    } else vector[topics.length] = 0.3 // filler: a faint shared axis
    vector[topics.length + 1] += 0.1 * seed
  })
  return {
    id,
    dimensions,
    files: {
      'config.json': json({ model_type: 'bert', architectures: ['BertModel'], hidden_size: dimensions }),
      'tokenizer.json': json(wordPieceTokenizer(vocab)),
      'tokenizer_config.json': json({
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        model_max_length: 128,
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        pad_token: '[PAD]',
        unk_token: '[UNK]',
      }),
      'onnx/model.onnx': gatherModel(table, vocab.length, dimensions),
    },
  }
}

/** Writes the model as a model folder expects it: `<root>/<id>/<file>`. */
export function writeModel(root: string, model: TinyModel): void {
  for (const [file, bytes] of Object.entries(model.files)) {
    const path = join(root, model.id, file)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, bytes)
  }
}

export interface FakeHub {
  url: string
  /** Paths asked for, in order (`GET /tiny/words-v1/resolve/main/config.json`). */
  requests: string[]
  close(): Promise<void>
}

/**
 * An HTTP server posing as the Hugging Face hub: `/<org>/<model>/resolve/<revision>/<file>`,
 * with the range requests Transformers.js sends to learn a file's size.
 */
export async function serveHub(models: TinyModel[]): Promise<FakeHub> {
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    const match = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(decodeURIComponent(new URL(req.url!, 'http://x').pathname))
    const body = match ? models.find(m => m.id === match[1])?.files[match[3]!] : undefined
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found')
      return
    }
    const type = match![3]!.endsWith('.json') ? 'application/json' : 'application/octet-stream'
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    if (range) {
      const [start, end] = [Number(range[1]), Math.min(Number(range[2]), body.length - 1)]
      res
        .writeHead(206, {
          'content-type': type,
          'content-length': end - start + 1,
          'content-range': `bytes ${start}-${end}/${body.length}`,
        })
        .end(body.subarray(start, end + 1))
      return
    }
    res.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2))
}

function wordPieceTokenizer(vocab: string[]) {
  const ids = Object.fromEntries(vocab.map((word, id) => [word, id]))
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(content => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  }
}

// --- ONNX, by hand: the protobuf wire format for the few messages a one-node graph needs ---

const FLOAT = 1
const INT64 = 7

function varint(value: number): Buffer {
  const bytes: number[] = []
  let v = BigInt(value)
  do {
    let byte = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) byte |= 0x80
    bytes.push(byte)
  } while (v > 0n)
  return Buffer.from(bytes)
}
const key = (field: number, wire: number) => varint((field << 3) | wire)
const int = (field: number, value: number) => Buffer.concat([key(field, 0), varint(value)])
const bytes = (field: number, value: Buffer | string) => {
  const b = typeof value === 'string' ? Buffer.from(value) : value
  return Buffer.concat([key(field, 2), varint(b.length), b])
}
const message = (field: number, ...parts: Buffer[]) => bytes(field, Buffer.concat(parts))

/** ValueInfoProto: a tensor of `type` with named (symbolic) or fixed dimensions. */
function valueInfo(field: number, name: string, type: number, dims: (string | number)[]): Buffer {
  const shape = dims.map(d => message(1, typeof d === 'string' ? bytes(2, d) : int(1, d)))
  const tensorType = message(1, int(1, type), message(2, ...shape))
  return message(field, bytes(1, name), message(2, tensorType))
}

function gatherModel(table: Float32Array, vocabSize: number, dimensions: number): Buffer {
  const initializer = message(
    5,
    int(1, vocabSize),
    int(1, dimensions),
    int(2, FLOAT),
    bytes(8, 'embeddings'),
    bytes(9, Buffer.from(table.buffer, table.byteOffset, table.byteLength)),
  )
  const node = message(
    1,
    bytes(1, 'embeddings'),
    bytes(1, 'input_ids'),
    bytes(2, 'last_hidden_state'),
    bytes(3, 'lookup'),
    bytes(4, 'Gather'),
  )
  const graph = message(
    7,
    node,
    bytes(2, 'tiny'),
    initializer,
    valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
    valueInfo(12, 'last_hidden_state', FLOAT, ['batch', 'sequence', dimensions]),
  )
  // ir_version 8, opset 13 (Gather's axis defaults to 0).
  return Buffer.concat([int(1, 8), bytes(2, 'vectornator-tests'), graph, message(8, bytes(1, ''), int(2, 13))])
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
