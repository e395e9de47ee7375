/** The `postgres` provider: PostgreSQL (embedded PGlite or a server) with pgvector and full-text search. */
export * from './postgres/index'
export { default } from './postgres/index'
