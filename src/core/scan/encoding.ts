import { isUtf8 } from 'node:buffer'

/**
 * Whether a file read in chunks is UTF-8 text, the one encoding the stores read: UTF-16 (a byte
 * order mark) or bytes that are not UTF-8 (Latin-1, Windows-1252) would be stored garbled, or
 * fail in the store on every run. Chunks are checked as they are hashed; a character cut by a
 * chunk boundary is carried to the next.
 */
export class TextCheck {
  private carry: Buffer | undefined
  private first = true
  problem: string | undefined

  push(chunk: Buffer): void {
    if (this.problem) return
    if (this.first) {
      this.first = false
      if (chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        this.problem = 'UTF-16 text, which the store cannot read: save it as UTF-8'
        return
      }
    }
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    const cut = bytes.length - incompleteTail(bytes)
    if (!isUtf8(bytes.subarray(0, cut))) this.problem = 'not UTF-8 text, which the store cannot read: save it as UTF-8'
    this.carry = cut < bytes.length ? Buffer.from(bytes.subarray(cut)) : undefined
  }

  /** The verdict once the whole file was pushed. */
  end(): string | undefined {
    if (!this.problem && this.carry) this.problem = 'not UTF-8 text (it ends inside a character): save it as UTF-8'
    return this.problem
  }
}

/** Bytes at the end that start a character the chunk does not finish (0 to 3). */
function incompleteTail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!
    if ((b & 0xc0) !== 0x80) {
      // A lead byte: how long its character is, against what is there.
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
      return need > back ? back : 0
    }
  }
  return 0
}
