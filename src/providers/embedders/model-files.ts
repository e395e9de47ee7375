/**
 * Where a local embedding model lives and whether it is there: answered synchronously, from the
 * disk alone, because the fingerprint (computed before any I/O of a sync) names the embedder only
 * when its model can be loaded without the network.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { UsageError } from '../../lib/errors'

export const DEFAULT_LOCAL_MODEL = 'Xenova/all-MiniLM-L6-v2'
export const DEFAULT_HUB = 'https://huggingface.co/'

export interface LocalEmbedderOptions {
  /** A Hugging Face model id with ONNX weights (`onnx/model.onnx`). Default `Xenova/all-MiniLM-L6-v2`. */
  model?: string
  /**
   * Folder the model is downloaded into on first use, one sub-folder per model id. Default: env
   * `VECTORNATOR_MODEL_CACHE`, else `$XDG_CACHE_HOME/vectornator/models`, else `~/.cache/vectornator/models`.
   */
  cacheDir?: string
  /**
   * A folder holding `<model id>/config.json`, `tokenizer.json`, ... (a copy of the cache folder
   * will do): the model is loaded from there and never downloaded, for air-gapped machines.
   */
  localModelPath?: string
  /** The model hub's address. Default: env `HF_ENDPOINT`, else `https://huggingface.co/`. */
  remoteHost?: string
}

/** The files a feature-extraction pipeline loads with Transformers.js's default dtype on Node (fp32, `onnx/model.onnx`). */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const

export interface LocalModel {
  model: string
  cacheDir: string
  localModelPath: string | undefined
  remoteHost: string
  /** The folder holding `<model id>/` with all of MODEL_FILES (localModelPath or cacheDir), or undefined when the model is not on disk. */
  foundIn: string | undefined
  /** `hidden_size` from the model's config.json, when it is on disk. */
  dimensions: number | undefined
}

const MODEL_ID = /^[\w.-]+(?:\/[\w.-]+)?$/

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VECTORNATOR_MODEL_CACHE) return resolve(env.VECTORNATOR_MODEL_CACHE)
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(base, 'vectornator', 'models')
}

/**
 * Defaults and checks the options and looks for the model on disk; one UsageError naming the fix.
 * Relative folders are taken from `root` (the project's, for a config file).
 */
export function resolveLocalModel(
  options: LocalEmbedderOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  root = process.cwd(),
  who = 'postgres',
): LocalModel {
  const model = options.model ?? DEFAULT_LOCAL_MODEL
  if (typeof model !== 'string' || !MODEL_ID.test(model) || model.split('/').some(part => /^\.+$/.test(part)))
    throw new UsageError(
      `${who}: embedder.model ${JSON.stringify(model)} is not a model id: use e.g. ${DEFAULT_LOCAL_MODEL}`,
    )
  const remoteHost = options.remoteHost ?? (env.HF_ENDPOINT || DEFAULT_HUB)
  if (!/^https?:\/\/[^/]/.test(remoteHost))
    throw new UsageError(
      `${who}: the model hub address ${JSON.stringify(remoteHost)} (${options.remoteHost !== undefined ? 'embedder.remoteHost' : 'HF_ENDPOINT'}) is not an http(s) URL: give one like ${DEFAULT_HUB}`,
    )
  const cacheDir = folder(root, options.cacheDir ?? defaultCacheDir(env))
  const localModelPath = options.localModelPath === undefined ? undefined : folder(root, options.localModelPath)

  let foundIn: string | undefined
  if (localModelPath) {
    foundIn = localModelPath
    const missing = MODEL_FILES.filter(file => !existsSync(join(localModelPath, model, file)))
    if (missing.length)
      throw new UsageError(
        `${who}: embedder.localModelPath ${localModelPath} lacks ${model}/${missing[0]}: copy the model's folder there (a filled model cache folder will do), or drop localModelPath to download it`,
      )
  } else if (MODEL_FILES.every(file => existsSync(join(cacheDir, model, file)))) {
    foundIn = cacheDir
  }
  return {
    model,
    cacheDir,
    localModelPath,
    remoteHost: remoteHost.endsWith('/') ? remoteHost : `${remoteHost}/`,
    foundIn,
    dimensions: foundIn ? hiddenSize(join(foundIn, model, 'config.json')) : undefined,
  }
}

/** A folder from the options: `~/` is the home folder, as a shell would read it in a config file. */
function folder(root: string, path: string): string {
  return resolve(root, /^~(?=$|[\\/])/.test(path) ? join(homedir(), path.slice(1)) : path)
}

function hiddenSize(configPath: string): number | undefined {
  try {
    const size = (JSON.parse(readFileSync(configPath, 'utf8')) as { hidden_size?: unknown }).hidden_size
    return Number.isInteger(size) && (size as number) > 0 ? (size as number) : undefined
  } catch {
    return undefined
  }
}
