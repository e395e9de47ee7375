import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { resolvePluginOptions, isDisabled, type VectornatorPluginOptions } from '../plugin/options'
import { HAND_OVER, type NextHandOver } from './next-adapter'

type Config = Record<string, unknown> & { adapterPath?: string }
type ConfigFunction = (phase: string, ctx: unknown) => Config | Promise<Config>

/** The adapter module beside this one, in the format this one was loaded in (.js, .cjs, .mjs). */
function adapterFile(): string {
  const here = fileURLToPath(import.meta.url)
  return join(dirname(here), `next-adapter${extname(here)}`)
}

/** The installed Next.js's major version, or undefined when it cannot be read. */
function nextMajor(): number | undefined {
  try {
    const pkg = createRequire(resolve(process.cwd(), 'package.json'))('next/package.json') as { version: string }
    return Number.parseInt(pkg.version, 10)
  } catch {
    return undefined
  }
}

let warned = false

/**
 * `export default withVectornator(nextConfig, options)` in next.config: syncs once per `next
 * build`, after the pages are rendered, through the build adapter API (`adapterPath`, Next.js
 * 16), which runs under webpack and Turbopack alike. Next.js before 16 has no hook after its
 * build: it says so once and names the CLI step to add instead.
 */
export default function withVectornator<T extends Config | ConfigFunction>(
  nextConfig: T = {} as T,
  options: VectornatorPluginOptions = {},
): T {
  // A bad option fails `next build` as the config loads, with the field named.
  resolvePluginOptions(options)
  const wrap = (config: Config): Config => {
    if (isDisabled(options)) return config
    const major = nextMajor()
    if (major !== undefined && major < 16) {
      if (!warned)
        process.stderr.write(
          `[vectornator] Next.js ${major} has no hook after \`next build\` (build adapters came with Next.js 16): not syncing; add \`vectornator sync\` after \`next build\` in your build script\n`,
        )
      warned = true
      return config
    }
    const handOver: NextHandOver = { options, inner: config.adapterPath ?? process.env.NEXT_ADAPTER_PATH }
    ;(globalThis as Record<symbol, unknown>)[HAND_OVER] = handOver
    return { ...config, adapterPath: adapterFile() }
  }
  if (typeof nextConfig === 'function')
    return (async (phase: string, ctx: unknown) => wrap(await (nextConfig as ConfigFunction)(phase, ctx))) as T
  return wrap(nextConfig as Config) as T
}
