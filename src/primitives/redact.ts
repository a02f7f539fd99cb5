/**
 * Secrets we know of (tokens, keys, passwords) are registered here the moment we read or make
 * them, and every byte the CLI writes passes through redact(): a last line of defence on top of
 * never putting secrets into events in the first place. --verbose stacks are redacted too.
 */
const secrets = new Set<string>();

/** Values shorter than this are not treated as secrets (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 8;

export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('[redacted]');
  }
  return out;
}

/** Registers well-known secret environment variables, once per process. */
export function registerEnvironmentSecrets(env: NodeJS.ProcessEnv): void {
  for (const name of [
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'GIT_TOKEN',
    'GITOPS_GIT_TOKEN',
    'GITHUB_TOKEN',
    'GIT_PASSWORD',
    // Where alerts go: a webhook URL is a credential (spec/alerts.ts).
    'GITOPS_ALERTS_ADDRESS',
    'GITOPS_ALERTS_TOKEN',
  ]) {
    registerSecret(env[name]);
  }
}
