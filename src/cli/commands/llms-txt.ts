import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { resolveLlmsTxt } from '../../core'
import { UsageError } from '../../lib/errors'
import { type CommandModule, type CommonFlags, loggerFor, projectFor, vectornatorOf, withCommonFlags } from '../shared'

interface LlmsTxtFlags extends CommonFlags {
  out?: string
}

/**
 * Build output folders looked for when no `--out` is given, in this order: each is one the
 * default excludes leave out, so the next sync never takes the files written there for documents.
 */
const OUTPUTS = ['.vitepress/dist', 'docs/.vitepress/dist', 'build', 'dist', 'out']

function outputIn(root: string): string | undefined {
  return OUTPUTS.map(dir => join(root, dir)).find(dir => existsSync(dir) && statSync(dir).isDirectory())
}

/**
 * `vectornator llms-txt [--out DIR]`: llms.txt and llms-full.txt from the sync state, with the
 * config file's `llmsTxt` settings (the plugin's, so both write the same files), into DIR
 * (default: the site's build output in the root). Exit 0 when written, 2 on bad usage or before any sync.
 */
export const llmsTxtCommand: CommandModule = (cli, setExit) => {
  withCommonFlags(cli.command('llms-txt', 'Write llms.txt and llms-full.txt from the sync state'))
    .option('--out <dir>', `Folder to write them into (default: the first of ${OUTPUTS.join(', ')} in the root)`)
    .action(async (flags: LlmsTxtFlags) => {
      const logger = loggerFor(flags)
      const project = await projectFor(flags, { logger })
      const { llmsTxt } = project.config
      const errors: string[] = []
      // Asked for by name: `llmsTxt: false`, which stops the plugin writing them, means the defaults here.
      const settings = resolveLlmsTxt(llmsTxt === undefined || llmsTxt === false ? true : llmsTxt, errors)
      if (flags.out !== undefined && String(flags.out).trim() === '') errors.push('--out needs a folder')
      if (errors.length || !settings) throw new UsageError(errors.join('; '))
      const vn = vectornatorOf(project)
      const state = await vn.readState()
      if (!state || Object.keys(state.files).length === 0)
        throw new UsageError(
          `nothing has been synced from ${vn.options.root} yet: run \`vectornator sync\` first (llms.txt lists the synced pages)`,
        )
      const outDir = flags.out === undefined ? outputIn(vn.options.root) : resolve(String(flags.out))
      if (!outDir)
        throw new UsageError(
          `no build output folder in ${vn.options.root} (looked for ${OUTPUTS.join(', ')}): build the site first, or pass --out DIR`,
        )
      const written = await vn.llmsTxt(settings, { outDir, state })
      if (flags.json) process.stdout.write(`${JSON.stringify(written)}\n`)
      setExit(0)
    })
}
