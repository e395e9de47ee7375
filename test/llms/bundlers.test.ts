import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { rollup } from 'rollup'
import { build as esbuild } from 'esbuild'
import webpack from 'webpack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import rollupPlugin from '../../src/rollup'
import esbuildPlugin from '../../src/esbuild'
import webpackPlugin from '../../src/webpack'
import type { VectornatorPluginOptions } from '../../src/plugin'
import { createOpenAIServer, type OpenAIServer } from '../../src/testing'
import { linksOf, tempCopy } from './helpers'

let server: OpenAIServer
beforeAll(async () => {
  server = await createOpenAIServer({ processingMs: 1 })
})
afterAll(() => server.close())

const options = (root: string): VectornatorPluginOptions => ({
  root,
  provider: 'openai',
  apiKey: 'test',
  baseURL: server.url,
  metadata: 'file',
  failOnError: true,
  llmsTxt: true,
  logger: { info() {}, warn() {}, error() {}, debug() {} },
})

/** The `lib` fixture's two documents, as every bundler's llms.txt must list them. */
const expectListed = (file: string) =>
  expect(linksOf(readFileSync(file, 'utf8'))).toEqual([
    { title: 'API', url: '/docs/api' },
    { title: 'Usage', url: '/docs/usage' },
  ])

describe("llms.txt goes into each bundler's output folder", () => {
  it('rollup: the folder of the output written', async () => {
    const root = tempCopy('lib')
    const bundle = await rollup({
      input: join(root, 'src/index.js'),
      plugins: [rollupPlugin(options(root))],
      onLog() {},
    })
    await bundle.write({ dir: join(root, 'out') })
    await bundle.close()
    expectListed(join(root, 'out/llms.txt'))
  })

  it('esbuild: outdir', async () => {
    const root = tempCopy('lib')
    await esbuild({
      absWorkingDir: root,
      entryPoints: ['src/index.js'],
      bundle: true,
      outdir: 'build',
      logLevel: 'silent',
      plugins: [esbuildPlugin(options(root))],
    })
    expectListed(join(root, 'build/llms.txt'))
  })

  it('webpack: output.path', async () => {
    const root = tempCopy('lib')
    const compiler = webpack({
      mode: 'production',
      context: root,
      entry: './src/index.js',
      output: { path: join(root, 'public'), filename: 'main.js' },
      plugins: [webpackPlugin(options(root))],
      infrastructureLogging: { level: 'none' },
    })
    await new Promise<void>((resolve, reject) =>
      compiler.run((error, stats) =>
        compiler.close(() =>
          error || stats?.hasErrors() ? reject(error ?? new Error('compilation failed')) : resolve(),
        ),
      ),
    )
    expectListed(join(root, 'public/llms.txt'))
  })
})
