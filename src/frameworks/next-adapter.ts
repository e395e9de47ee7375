import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'
import type { VectornatorPluginOptions } from '../plugin/options'
import { createFace } from './face'
import {
  type NextConfig,
  type RenderedOutput,
  nextLocales,
  renderedPages,
  sourceRoutes,
  sourcesOf,
} from './next-routes'
import { NEXT_FOLDERS } from './folders'
import { nextraRules } from './rules'

/** What `withVectornator` left for the adapter: the options, and the user's own adapter if any. */
export interface NextHandOver {
  options: VectornatorPluginOptions
  inner?: string
}

export const HAND_OVER = Symbol.for('vectornator.next')

interface Adapter {
  name?: string
  modifyConfig?: (config: unknown, ctx: unknown) => unknown
  onBuildComplete?: (ctx: BuildContext) => unknown
}

interface BuildContext {
  projectDir: string
  distDir: string
  config: NextConfig
  outputs: { prerenders: RenderedOutput[]; staticFiles: RenderedOutput[] }
}

const handOver = (): NextHandOver =>
  ((globalThis as Record<symbol, unknown>)[HAND_OVER] as NextHandOver | undefined) ?? { options: {} }

/** The user's own adapter, loaded as Next.js loads one. */
async function innerAdapter(path: string | undefined, projectDir: string): Promise<Adapter | undefined> {
  if (!path) return undefined
  const file = createRequire(resolve(projectDir, 'package.json')).resolve(path)
  const mod = (await import(pathToFileURL(file).href)) as { default?: Adapter } & Adapter
  return mod.default ?? mod
}

/**
 * The Next.js build adapter `withVectornator` puts in `adapterPath`. Next.js calls
 * `onBuildComplete` once per `next build`, after the pages are prerendered (and exported, for
 * `output: 'export'`), with webpack and Turbopack alike; `next dev` and a failed build never
 * call it. A user's own adapter keeps working: it is called first.
 */
const adapter: Adapter = {
  name: 'vectornator',
  async modifyConfig(config, ctx) {
    const inner = await innerAdapter(handOver().inner, (ctx as { projectDir: string }).projectDir)
    return inner?.modifyConfig ? inner.modifyConfig(config, ctx) : config
  },
  async onBuildComplete(ctx) {
    const { options, inner } = handOver()
    await (await innerAdapter(inner, ctx.projectDir))?.onBuildComplete?.(ctx)
    const root = ctx.projectDir
    const face = createFace(options, {
      root,
      include: NEXT_FOLDERS.map(dir => `${dir}/**/*.{md,mdx,mdoc}`),
      // `_meta` files and `_`-folders are Nextra's and Next.js's private parts, no pages.
      exclude: ['**/_*', '**/_*/**'],
      ...nextraRules(nextLocales(ctx.config)),
    })
    await face.runner?.prepare(root)
    const pages = renderedPages([...ctx.outputs.prerenders, ...ctx.outputs.staticFiles], ctx.config)
    const dir = ctx.config.output === 'export' ? resolve(root, 'out') : ctx.distDir
    const routes = new Map(pages)
    await sourceRoutes(root, ctx.config, routes)
    await face.sync({ root, outputs: [{ dir, files: [...pages.keys()] }], routes, sources: sourcesOf(pages, routes) })
  },
}

export default adapter
