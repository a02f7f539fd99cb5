/**
 * What every command handler gets: the output (reporters, result printing), the event sink, an
 * AbortSignal wired to Ctrl-C, the global flags and the environment. Handlers return an exit code.
 */
import type { EventSink } from '../primitives/events.js';
import type { Output } from '../io/output.js';

export interface GlobalFlags {
  output: 'text' | 'json';
  verbose: boolean;
  color: boolean;
  yes: boolean;
  quiet: boolean;
}

export interface CommandContext {
  out: Output;
  sink: EventSink;
  signal: AbortSignal;
  globals: GlobalFlags;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Asks one question on the process's own terminal streams (stdin, stderr); Ctrl-C cancels it. */
  prompt(question: string): Promise<string>;
}

export type CommandHandler<O> = (ctx: CommandContext, options: O, args: string[]) => Promise<number>;
