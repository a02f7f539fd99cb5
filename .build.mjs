// `npm run build` (after tsc's type check): bundles the CLI into dist/ with esbuild; bin/gitops.js
// runs dist/main.js, or dist/token.js for `gitops token`.
//
// Start-up time is mostly module loading: Node resolves, reads and compiles every file it
// imports, and the unbundled CLI imported a few hundred before doing anything. Bundled, a start
// reads a handful. Two entry points: dist/main.js (commander and the command tree; each command's
// handler and what it needs is a chunk loaded when that command runs) and dist/token.js (what
// kubectl runs before each of its commands: the signer, the environment credentials and the output,
// with the SDK's credential chain a chunk loaded only when the environment holds no keys). Code
// shared between them is in dist/chunks/, once. Every dependency is bundled: all of them bundle
// without warnings, and the e2e tests run this build.
//
// GITOPS_BUILD_META=<file> also writes esbuild's metafile (which input went into which output).
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
const result = await build({
  entryPoints: { main: 'src/cli/main.ts', token: 'src/cli/token-main.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Prefer the ES module builds packages ship next to their CommonJS ones: esbuild tree-shakes
  // those and turns their dynamic imports (the AWS SDK's credential providers) into chunks.
  mainFields: ['module', 'main'],
  // CommonJS dependencies require() Node's builtins; in an ES module that needs a real require.
  banner: {
    js: "import { createRequire as __gitopsCreateRequire } from 'node:module'; const require = __gitopsCreateRequire(import.meta.url);",
  },
  // Without comments and spaces: on Node 22, with its compile cache, commander's comments alone
  // cost `gitops --help` about 7 ms (a tenth of its start). Names are kept, so a stack trace
  // (--verbose) still names its functions; the source maps give the lines (node --enable-source-maps).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
if (process.env.GITOPS_BUILD_META)
  writeFileSync(process.env.GITOPS_BUILD_META, JSON.stringify(result.metafile));

// What each start reads: the entry and its static imports, transitively (not the chunks loaded on use).
const outputs = result.metafile.outputs;
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
const js = Object.entries(outputs).filter(([file]) => file.endsWith('.js'));
console.log(`dist/: ${js.length} files, ${kib(js.reduce((sum, [, o]) => sum + o.bytes, 0))}`);
for (const entry of ['dist/main.js', 'dist/token.js']) {
  const loaded = new Set([entry]);
  for (const file of loaded) {
    for (const i of outputs[file]?.imports ?? []) {
      if (i.kind === 'import-statement' && !i.external) loaded.add(i.path);
    }
  }
  const bytes = [...loaded].reduce((sum, f) => sum + (outputs[f]?.bytes ?? 0), 0);
  console.log(`  ${entry}: ${kib(bytes)} in ${loaded.size} files read at start`);
}
