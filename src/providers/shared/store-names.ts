/**
 * A store's name on a server from the name a user gives it (`vectornator docs` ->
 * `vectornator-docs-3f9a1c`): letters, digits, `-` and `_` only (no dots, so it is valid as a store
 * id too), a random suffix so two stores of one name never meet.
 */
export function suffixedName(storeName: string, suffix: string): string {
  const base = storeName
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '')
    .slice(0, 64)
  return `${base || 'vectornator'}-${suffix}`
}
