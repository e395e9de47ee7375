import { makeTree } from './tree'

/** A small docs site (a versioned page among them) for end-to-end syncs against a vector store. */
export function zephyrSite(): string {
  return makeTree({
    'guide/install.md': '---\ntitle: Installing Zephyr\n---\n\nRun the zephyr installer with the turbo flag.\n',
    'guide/config.md': '# Configuring Zephyr\n\nThe zephyr.toml file sets the warp factor.\n',
    'index.md': '# Zephyr\n\nZephyr is a made-up build tool.\n',
    'versioned_docs/version-1.0/guide/config.md':
      '# Configuring Zephyr 1.0\n\nThe zephyr.ini file sets the warp factor.\n',
  })
}
