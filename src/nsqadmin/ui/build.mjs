/**
 * Bundles the nsqadmin UI (preact + htm + uPlot, our pages and CSS) into dist/nsqadmin-ui with
 * esbuild, as part of `npm run build`. The server serves what lands there; nothing is fetched at
 * run time.
 */

import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../../dist/nsqadmin-ui');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { main: path.join(here, 'main.js') },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  logLevel: 'warning',
  legalComments: 'none',
});
copyFileSync(path.join(here, 'favicon.svg'), path.join(out, 'favicon.svg'));
