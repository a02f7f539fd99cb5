#!/usr/bin/env node
// Entry point: loads the bundled CLI (npm run build). Kept tiny so that starting is fast: kubectl
// runs `gitops token` before every command, and `gitops --version` should cost little more than
// Node's own start.
import module from 'node:module';

// Node 22.1+ can keep the compiled code of our bundles on disk, so a second run skips compiling
// them. Node 20 has no such API, and the check keeps it working there. The cache lives in the
// system's temporary folder (or NODE_COMPILE_CACHE); a cache that cannot be written is skipped.
module.enableCompileCache?.();

// The AWS SDK warns on every run under Node < 22 about its future support window. That one
// warning is noise for our users; every other warning still goes through untouched.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (typeof text === 'string' && text.startsWith('NodeVersionSupportWarning')) return;
  return emitWarning(warning, ...rest);
};

// `gitops token` has an entry of its own that loads only the signer and the credential chain;
// it hands anything but the plain `token --cluster X --region R` form back to the full CLI.
const entry = process.argv[2] === 'token' ? 'token' : 'main';

import(`../dist/${entry}.js`)
  .then((cli) => cli.main(process.argv))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(`dist/${entry}.js`)) {
      process.stderr.write('gitops: not built yet; run `npm run build` first\n');
    } else {
      process.stderr.write(`gitops: ${err?.stack ?? err}\n`);
    }
    process.exitCode = 1;
  });
