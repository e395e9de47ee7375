/** How a SHA-256 is stored in the sync state and in content identities: `sha256:<hex>`. */
const PREFIX = 'sha256:'

/** `sha256:<hex>` from the bare hex digest (attributes and scans carry the bare digest). */
export const prefixSha256 = (hex: string): string => `${PREFIX}${hex}`

/** The bare hex digest of a `sha256:<hex>` value; one without the prefix is returned as it is. */
export const stripSha256 = (hash: string): string => (hash.startsWith(PREFIX) ? hash.slice(PREFIX.length) : hash)
