// Test workers import the AWS SDK directly, and on Node 20 it warns once per process about its
// future Node support. The CLI's entry filters that one warning (bin/gitops.js); the same filter
// keeps the test output readable. Every other warning still shows.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (typeof text === 'string' && text.startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;
