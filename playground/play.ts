/**
 * `npm run play`: builds the playground docs site with Vite, which syncs its pages to the vector
 * store through the plugin, then shows how to search them.
 */
import { build } from 'vite'
// Loaded by tsx rather than by Vite's config bundler, which would warn about the plugin's
// extensionless source imports (a published package has none).
import config from './vite.config'

await build({ ...config, configFile: false })

const store = process.env.OPENAI_API_KEY
  ? 'an OpenAI vector store'
  : 'the embedded LanceDB store (playground/.vectornator/lancedb)'
process.stdout.write(`
The Lanternfish docs are in ${store}. Search them:

  npm run search -- "how do I page the on-call engineer?"

(that is \`vectornator search ... --root playground\` run from this repository's source;
 a project that installs vectornator runs \`npx vectornator search "..."\`)
Run \`npm run play\` again: every page is reported unchanged.
`)
