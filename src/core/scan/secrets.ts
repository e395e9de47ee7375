/**
 * Credentials never leave the repository: a file that is one by its name, or that holds one, is
 * not uploaded, served or written to llms files, whatever the globs say. The names and shapes are
 * the ones well-known secret scanners (gitleaks, GitHub secret scanning) look for; `allowSecrets`
 * lets a path through for whoever truly means it (a docs page about key formats).
 */

/** Extensions of key and certificate stores. */
const KEY_EXTENSIONS = new Set(['pem', 'key', 'p12', 'pfx', 'jks', 'keystore', 'kdbx', 'ppk', 'p8', 'der'])

/** Files that hold credentials by their name alone. */
const CREDENTIAL_NAMES = new Set([
  '.npmrc',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.pgpass',
  '.git-credentials',
  '.htpasswd',
  '.dockercfg',
  'credentials.json',
  'credentials',
  'secrets.json',
  'service-account.json',
])

/** SSH private keys (`id_rsa`, `id_ed25519_work`; never their `.pub`). */
const SSH_KEY = /^id_(?:rsa|dsa|ecdsa|ed25519)(?:[._-][\w.-]*)?$/

/**
 * Why `path` is a credential by its name (one line), or undefined. `.env` files are left out
 * earlier, silently (isSecretPath in scan.ts).
 */
export function credentialByName(path: string): string | undefined {
  const slash = path.lastIndexOf('/')
  const name = path.slice(slash + 1)
  const lower = name.toLowerCase()
  if (SSH_KEY.test(lower) && !lower.endsWith('.pub')) return `a private key by its name (${name})`
  if (/(?:^|\/)\.ssh\//.test(path) && !/^(?:known_hosts|config|authorized_keys)$|\.pub$/.test(lower))
    return `a file in a .ssh folder (${name})`
  const dot = lower.lastIndexOf('.')
  if (dot > 0 && KEY_EXTENSIONS.has(lower.slice(dot + 1))) return `a key or certificate store by its name (${name})`
  if (CREDENTIAL_NAMES.has(lower) || /^client_secret.*\.json$/.test(lower))
    return `a credentials file by its name (${name})`
  if (/(?:^|\/)\.aws\/credentials$|(?:^|\/)\.docker\/config\.json$|(?:^|\/)\.kube\/config$/.test(path))
    return `a credentials file by its place (${path})`
  return undefined
}

/**
 * Private key blocks, and the API key and token shapes that are unambiguous (a fixed prefix and
 * a long random tail): OpenAI and Anthropic, AWS access keys, GitHub, GitLab, Slack, Stripe,
 * Google, npm, Hugging Face. A value naming itself an example (AWS's `...EXAMPLE`) is not a secret.
 */
const SECRET = new RegExp(
  [
    String.raw`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`,
    String.raw`(?<![\w-])sk-(?:proj-|ant-(?:api\d\d-)?|svcacct-)?[A-Za-z0-9_-]{32,}`,
    String.raw`(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])`,
    String.raw`(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36,}`,
    String.raw`(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{60,}`,
    String.raw`(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}`,
    String.raw`(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{20,}`,
    String.raw`(?<![A-Za-z0-9])[rs]k_live_[0-9A-Za-z]{24,}`,
    String.raw`(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}`,
    String.raw`(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])`,
    String.raw`(?<![A-Za-z0-9])hf_[A-Za-z0-9]{34,}`,
  ].join('|'),
  'g',
)

const KINDS: [RegExp, string][] = [
  [/PRIVATE KEY/, 'a private key block'],
  [/^sk-/, 'an OpenAI or Anthropic API key'],
  [/^A[KS]IA/, 'an AWS access key'],
  [/^gh|^github_pat_/, 'a GitHub token'],
  [/^glpat-/, 'a GitLab token'],
  [/^xox/, 'a Slack token'],
  [/_live_/, 'a Stripe key'],
  [/^AIza/, 'a Google API key'],
  [/^npm_/, 'an npm token'],
  [/^hf_/, 'a Hugging Face token'],
]

/** What kind of secret `text` holds (one line), or undefined. */
export function secretInText(text: string): string | undefined {
  SECRET.lastIndex = 0
  for (let m: RegExpExecArray | null; (m = SECRET.exec(text));) {
    const found = m[0]
    if (/EXAMPLE|X{8}|x{8}|\.{3}/.test(found)) continue
    const kind = KINDS.find(([test]) => test.test(found))?.[1] ?? 'a credential'
    return `holds ${kind}`
  }
  return undefined
}

/** The longest secret prefix a chunk boundary may cut (kept from the previous chunk). */
const OVERLAP = 128

/**
 * Looks for secrets in a file read in chunks (as it is hashed), without holding it whole: each
 * chunk is searched with the end of the one before it, so a key cut by a boundary is found.
 */
export class SecretScanner {
  private tail = ''
  found: string | undefined

  push(chunk: Buffer): void {
    if (this.found) return
    // latin1: one char a byte, whatever the encoding; every shape searched for is ASCII.
    const text = this.tail + chunk.toString('latin1')
    this.found = secretInText(text)
    this.tail = text.slice(-OVERLAP)
  }
}
