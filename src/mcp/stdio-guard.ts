import { PassThrough, type Readable, type Writable } from 'node:stream'

/** The longest JSON-RPC message read from stdin; a request is a few KB (a search, a path). */
export const MAX_LINE_BYTES = 1024 * 1024

/**
 * Stdin as the stdio transport reads it, less any line over `max` bytes: that request gets a
 * JSON-RPC error (its id when the line's start names one) on `out`, and the session goes on. The
 * transport itself would give up on its buffer and end the session without a word.
 */
export function guardedStdin(
  input: Readable,
  out: Writable,
  max = MAX_LINE_BYTES,
  onDropped?: (bytes: number) => void,
): Readable {
  const guarded = new PassThrough()
  let line: Buffer[] = []
  let size = 0
  /** The start of the line being dropped, for its id; undefined while the line is kept. */
  let dropping: Buffer | undefined
  const drop = () => {
    const id = /"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,20})/.exec(dropping!.toString('utf8'))?.[1]
    out.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: id === undefined ? null : JSON.parse(id), error: { code: -32600, message: `request too large: a message may hold at most ${max} bytes` } })}\n`,
    )
    onDropped?.(size)
  }
  input.on('data', (chunk: Buffer) => {
    let start = 0
    for (let nl = chunk.indexOf(10); nl !== -1; start = nl + 1, nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl + 1)
      if (dropping) drop()
      else if (size + part.length > max) {
        dropping = Buffer.concat([...line, part]).subarray(0, 512)
        size += part.length
        drop()
      } else guarded.write(Buffer.concat([...line, part]))
      line = []
      size = 0
      dropping = undefined
    }
    const rest = chunk.subarray(start)
    if (rest.length === 0) return
    size += rest.length
    if (dropping) return
    if (size > max) {
      dropping = Buffer.concat([...line, rest]).subarray(0, 512)
      line = []
      return
    }
    line.push(rest)
  })
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    if (!dropping && line.length) guarded.write(Buffer.concat(line))
    guarded.end()
  }
  input.on('end', end)
  input.on('close', end)
  return guarded
}
