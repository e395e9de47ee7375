import { readdirSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
const walk = dir =>
  readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    !e.isDirectory() ? [join(dir, e.name)] : e.name.startsWith('.') ? [] : walk(join(dir, e.name)),
  )
for (const file of walk(process.argv[2] ?? '.')) createHash('sha256').update(readFileSync(file)).digest('hex')
