/**
 * CLI entry: parses argv with commander, runs the command, returns the exit code. Parse errors
 * (unknown flag, missing argument, bad choice) become one-line usage errors with exit 2.
 */
import { EXIT, userError } from '../primitives/errors.js';
import { packageVersion } from '../primitives/package-root.js';
import type { ProgramResult } from './program.js';
import { type ProcessIO, processIO } from './process-io.js';

export async function main(argv: string[], io: ProcessIO = processIO()): Promise<number> {
  // `gitops --version` alone needs no command tree: print what commander would print without
  // loading commander at all (it and the tree are most of what a start costs).
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const [{ CommanderError }, { buildProgram }] = await Promise.all([
    import('commander'),
    import('./program.js'),
  ]);
  const result: ProgramResult = { exitCode: EXIT.ok };
  const program = buildProgram(packageVersion(), io, result);
  try {
    await program.parseAsync(argv);
    return result.exitCode;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (
      e.code === 'commander.helpDisplayed' ||
      e.code === 'commander.version' ||
      e.code === 'commander.help'
    ) {
      return EXIT.ok;
    }
    if (e.code === 'commander.executeSubCommandAsync') return e.exitCode;
    // `gitops` or `gitops profiles` alone: commander printed the help on stderr.
    if (e.code === 'commander.helpDisplayed' || e.exitCode === 0) return EXIT.ok;
    const { Output } = await import('../io/output.js');
    const out = new Output({
      mode: wantsJson(argv) ? 'json' : 'text',
      color: !argv.includes('--no-color'),
      quiet: false,
      verbose: false,
      stdout: io.stdout,
      stderr: io.stderr,
      env: io.env,
    });
    const command = commandPath(argv);
    out.error(
      userError('GITOPS_BAD_INPUT', e.message.replace(/^error: /, ''), {
        hint: `see "gitops ${command === '' ? '' : `${command} `}--help"`,
      }),
    );
    return EXIT.usage;
  }
}

/** Parse errors happen before commander has read -o, so look for it ourselves. */
function wantsJson(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '-o' || a === '--output') && argv[i + 1] === 'json') return true;
    if (a === '--output=json' || a === '-ojson') return true;
  }
  return false;
}

function commandPath(argv: string[]): string {
  const words: string[] = [];
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  const first = words[0];
  if (first === 'profiles' && (words[1] === 'list' || words[1] === 'show')) return `profiles ${words[1]}`;
  return first &&
    ['bootstrap', 'status', 'diff', 'destroy', 'migrate', 'kubeconfig', 'token', 'profiles'].includes(first)
    ? first
    : '';
}
