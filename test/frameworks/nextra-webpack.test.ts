import { describe, expect, it } from 'vitest'
import { attribute, bin, run, siteUnderTest, syncLines, workspaceRoot } from './helpers'

const next = bin('next/dist/bin/next')
const s = siteUnderTest('nextra', { entries: ['next', 'next-adapter'] })

describe('next + nextra with webpack', () => {
  it('syncs once per next build --webpack, with the pages under their routes', async () => {
    const built = await run(next, ['build', '--webpack'], s.root, {
      NEXT_TELEMETRY_DISABLED: '1',
      WORKSPACE_ROOT: workspaceRoot(),
    })
    expect(built.code, built.output).toBe(0)
    expect(built.output).toContain('(webpack)')
    expect(syncLines(built.output)).toEqual([expect.stringMatching(/sync: 4 added/)])
    expect(attribute(s.docs(), 'url')).toEqual({
      'content/index.mdx': 'https://docs.example.com/widget/',
      'content/guide/intro.md': 'https://docs.example.com/widget/guide/intro/',
      'content/guide/install.mdx': 'https://docs.example.com/widget/guide/install/',
      'content/fr/index.mdx': 'https://docs.example.com/widget/fr/',
    })
  }, 120_000)
})
