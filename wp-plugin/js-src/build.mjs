// Bundles every entries/<name>.js (and its npm imports) into
// ../assets/build/<name>.js (plus <name>.css when it imports CSS).
// Run by scripts/bootstrap.sh; the plugin enqueues the built files.
import { build } from 'esbuild';
import { readdirSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', 'assets', 'build');
mkdirSync(outdir, { recursive: true });
const entryPoints = readdirSync(join(here, 'entries'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => join(here, 'entries', f));

await build({
  entryPoints,
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  legalComments: 'linked',
  loader: { '.png': 'dataurl', '.svg': 'dataurl' },
  logLevel: 'warning',
});
console.log(`built ${entryPoints.length} bundle(s) into ${outdir}`);
