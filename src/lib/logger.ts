import pc from 'picocolors'

/** The sink every message goes through; the bundler's logger or stderr. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
  debug(message: string): void
}

export const PREFIX = '[vectornator]'

/** A logger on stderr (stdout stays free for `--json`), prefixed, colourless when not a TTY. */
export function createConsoleLogger(options: { debug?: boolean; silent?: boolean } = {}): Logger {
  const write = (line: string) => {
    if (!options.silent) process.stderr.write(`${line}\n`)
  }
  const color = pc.isColorSupported && process.stderr.isTTY
  const tag = color ? pc.cyan(PREFIX) : PREFIX
  return {
    info: m => write(`${tag} ${m}`),
    warn: m => write(`${tag} ${color ? pc.yellow(m) : m}`),
    error: m => write(`${tag} ${color ? pc.red(m) : m}`),
    debug: m => {
      if (options.debug) write(`${tag} ${color ? pc.dim(m) : m}`)
    },
  }
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} }
