/**
 * CLI entry: parses argv with commander, runs the command, returns the exit code. Parse errors
 * (unknown flag, missing argument, bad choice) become one-line usage errors with exit 2.
 */
import { CommanderError } from 'commander';
import { EXIT, userError } from '../primitives/errors.js';
import { packageVersion } from '../primitives/package-root.js';
import { Output } from '../io/output.js';
import { buildProgram, type ProgramResult } from './program.js';
import { type ProcessIO, processIO } from './run-command.js';

export async function main(argv: string[], io: ProcessIO = processIO()): Promise<number> {
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
    ['bootstrap', 'status', 'diff', 'destroy', 'kubeconfig', 'token', 'profiles'].includes(first)
    ? first
    : '';
}
