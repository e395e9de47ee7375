import { describe, expect, it } from 'vitest'
import { isDisabled, resolvePluginOptions } from '../../src/plugin/options'
import { unpluginFactory } from '../../src/plugin'
import { UsageError } from '../../src/lib/errors'

const meta = { framework: 'rollup', versions: {} } as const

describe('plugin options', () => {
  it('fail the build only in CI by default', () => {
    expect(resolvePluginOptions({}, { CI: 'true' }).failOnError).toBe(true)
    expect(resolvePluginOptions({}, { CI: '1' }).failOnError).toBe(true)
    expect(resolvePluginOptions({}, {}).failOnError).toBe(false)
    expect(resolvePluginOptions({}, { CI: 'false' }).failOnError).toBe(false)
    expect(resolvePluginOptions({ failOnError: false }, { CI: 'true' }).failOnError).toBe(false)
    expect(resolvePluginOptions({ failOnError: true }, {}).failOnError).toBe(true)
  })

  it('default to no assets, no watch syncs, and pass the rest to the core', () => {
    const settings = resolvePluginOptions({ include: 'docs/**/*.md', dryRun: true, enabled: true }, {})
    expect(settings).toMatchObject({ assets: false, watch: false, core: { include: 'docs/**/*.md', dryRun: true } })
    expect(settings.core).not.toHaveProperty('enabled')
    expect(resolvePluginOptions({ assets: 'guide/*.html', watch: true }, {})).toMatchObject({
      assets: ['guide/*.html'],
      watch: { debounceMs: 1000 },
    })
  })

  it('are switched off by `enabled: false` or VECTORNATOR_DISABLE', () => {
    expect(isDisabled({ enabled: false }, {})).toBe(true)
    expect(isDisabled({}, { VECTORNATOR_DISABLE: '1' })).toBe(true)
    expect(isDisabled({}, { VECTORNATOR_DISABLE: 'true' })).toBe(true)
    expect(isDisabled({ enabled: true }, { VECTORNATOR_DISABLE: '1' })).toBe(true)
    expect(isDisabled({}, { VECTORNATOR_DISABLE: '0' })).toBe(false)
    expect(isDisabled({}, {})).toBe(false)
  })

  it('switched off, the plugin is bare and checks nothing', () => {
    expect(unpluginFactory({ enabled: false, concurrency: -1 }, meta)).toEqual({ name: 'vectornator' })
  })

  it('report every bad option at once, each named', () => {
    const error = (() => {
      try {
        resolvePluginOptions({ assets: [], watch: 'always' as never, include: '../x/*.md' }, {})
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toMatch(
      /^\[vectornator\] include "..\/x\/\*.md" points outside the root.*; assets is an empty list.*; watch must be true, false or \{ debounceMs \}/,
    )
  })
})
