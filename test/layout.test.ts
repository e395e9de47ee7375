import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain script, without types
import { checkLayout } from '../scripts/check-layout.mjs'

// The house rules, checked on every test run: no import loop in src/ (type-only imports
// included), core/ imports no bundler, CLI or testing/ code, providers/ import no core/ (no state,
// no git), and lib/ imports nothing of ours.
describe('the layout of src/', () => {
  it('has no import loop and keeps every layer rule', () => {
    expect(checkLayout()).toEqual([])
  })
})
