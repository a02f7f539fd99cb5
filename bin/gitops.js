#!/usr/bin/env node
// Entry point: loads the compiled CLI. Kept tiny so `gitops --version` starts fast.

// The AWS SDK warns on every run under Node < 22 about its future support window. That one
// warning is noise for our users; every other warning still goes through untouched.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (typeof text === 'string' && text.startsWith('NodeVersionSupportWarning')) return;
  return emitWarning(warning, ...rest);
};

import('../dist/cli/main.js')
  .then((cli) => cli.main(process.argv))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
      process.stderr.write('gitops: not built yet; run `npm run build` first\n');
    } else {
      process.stderr.write(`gitops: ${err?.stack ?? err}\n`);
    }
    process.exitCode = 1;
  });
