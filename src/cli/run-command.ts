/**
 * Runs one command handler: builds the output for the global flags, wires SIGINT/SIGTERM to an
 * AbortSignal (a second Ctrl-C exits at once), and turns any error into its exit code with a
 * one-line message (a stack only with --verbose).
 */
import { EXIT, isGitopsError, systemError, toGitopsError } from '../primitives/errors.js';
import { registerEnvironmentSecrets } from '../primitives/redact.js';
import { Output } from '../io/output.js';
import type { CommandContext, CommandHandler, GlobalFlags } from './context.js';
import type { ProcessIO } from './process-io.js';

export async function runCommand<O>(
  io: ProcessIO,
  globals: GlobalFlags,
  load: () => Promise<CommandHandler<O>>,
  options: O,
  args: string[],
): Promise<number> {
  registerEnvironmentSecrets(io.env);
  const out = new Output({
    mode: globals.output,
    color: globals.color,
    quiet: globals.quiet,
    verbose: globals.verbose,
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
  });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      // The user insists: leave now. Every step is idempotent, so a re-run converges.
      out.notice('\ninterrupted again; exiting without waiting for running steps');
      process.exit(EXIT.interrupted);
    }
    out.notice(
      `\n${signal === 'SIGINT' ? 'interrupted' : 'terminated'}; finishing running steps (press Ctrl-C again to exit now)`,
    );
    controller.abort(
      systemError('GITOPS_ABORTED', 'interrupted', { hint: 'run the same command again to resume' }),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const handler = await load();
    const sink = await out.createSink();
    const ctx: CommandContext = {
      out,
      sink,
      signal: controller.signal,
      globals,
      env: io.env,
      cwd: io.cwd,
      prompt: (question) => ask(io, question, controller.signal),
    };
    const code = await handler(ctx, options, args);
    return controller.signal.aborted && code !== EXIT.ok ? EXIT.interrupted : code;
  } catch (e) {
    const err =
      controller.signal.aborted && !isGitopsError(e)
        ? toGitopsError(controller.signal.reason)
        : toGitopsError(e);
    out.error(err);
    return err.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function ask(io: ProcessIO, question: string, signal: AbortSignal): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    return await rl.question(question, { signal });
  } finally {
    rl.close();
  }
}
