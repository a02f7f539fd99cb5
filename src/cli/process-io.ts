/**
 * The process a command runs in: its streams, environment and folder. Tests pass their own; the
 * CLI's entries take the real one. Kept apart from run-command.ts so that an entry can name it
 * without loading the output and its reporters (`gitops --version` needs neither).
 */
export interface ProcessIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The real process's streams, environment and folder. */
export function processIO(): ProcessIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}
