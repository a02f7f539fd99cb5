/**
 * Chooses how a command talks to the user and owns the two streams. Text mode draws events
 * (spinner on a TTY, plain lines otherwise) and prints a human result; JSON mode prints exactly
 * one JSON document on stdout and sends progress to stderr as one JSON event per line (or nowhere
 * with --quiet).
 */
import type { EventSink, InfoCode } from '../primitives/events.js';
import { nullSink } from '../primitives/events.js';
import type { GitopsError } from '../primitives/errors.js';
import { redact } from '../primitives/redact.js';
import { NdjsonReporter } from './ndjson-reporter.js';
import { PlainReporter } from './plain-reporter.js';
import { SpinnerReporter } from './spinner-reporter.js';
import { colorEnabled, createStyle, type Style } from './style.js';

export type OutputMode = 'text' | 'json';

export interface OutputOptions {
  mode: OutputMode;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** The run's environment (NO_COLOR, FORCE_COLOR, CI), never process.env. */
  env: NodeJS.ProcessEnv;
}

export class Output {
  readonly mode: OutputMode;
  readonly verbose: boolean;
  readonly style: Style;
  readonly errStyle: Style;
  private readonly stdout: NodeJS.WriteStream;
  private readonly stderr: NodeJS.WriteStream;
  /** stdout without redaction: only for output whose secret is its purpose (`gitops token`). */
  private readonly rawStdout: NodeJS.WriteStream;
  private readonly quiet: boolean;
  private readonly interactive: boolean;
  private printedDocument = false;

  constructor(options: OutputOptions) {
    this.mode = options.mode;
    this.verbose = options.verbose;
    this.quiet = options.quiet;
    this.rawStdout = options.stdout ?? process.stdout;
    this.stdout = redacting(this.rawStdout);
    this.stderr = redacting(options.stderr ?? process.stderr);
    const env = options.env;
    this.style = createStyle(colorEnabled(this.stdout, options.color, env));
    this.errStyle = createStyle(colorEnabled(this.stderr, options.color, env));
    const ci = env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false';
    this.interactive = this.mode === 'text' && this.stdout.isTTY === true && !ci;
  }

  /** True when a human sits at a terminal (prompts allowed, spinner drawn). */
  get isInteractive(): boolean {
    return this.interactive;
  }

  /** The event sink for this run. */
  async createSink(): Promise<EventSink> {
    if (this.quiet) return nullSink;
    if (this.mode === 'json') return new NdjsonReporter((line) => this.stderr.write(line));
    if (this.interactive) {
      // ora is loaded only for interactive runs: it is the one heavy part of drawing.
      const { default: ora } = await import('ora');
      return new SpinnerReporter(ora, this.stdout, this.style);
    }
    return new PlainReporter({ write: (t) => this.stdout.write(t) }, this.style);
  }

  /** Prints the command's result: the JSON document, or the text rendering of it. */
  result(document: unknown, renderText: (style: Style) => string): void {
    if (this.mode === 'json') {
      if (this.printedDocument) throw new Error('a command printed two JSON documents');
      this.printedDocument = true;
      this.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      return;
    }
    const text = renderText(this.style);
    if (text !== '') this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * Writes text to stdout as it is, whatever the output mode: for a command whose whole output is
   * a secret meant for a program (the ExecCredential kubectl reads).
   */
  raw(text: string): void {
    this.rawStdout.write(text);
  }

  /**
   * Human notes that are not part of the result: stdout in text, and in JSON mode an event on
   * stderr like every other line there (GITOPS_NOTE), so stdout keeps its one document.
   */
  note(text: string): void {
    if (this.quiet) return;
    if (this.mode === 'json') this.jsonEvent('GITOPS_NOTE', text);
    else this.stdout.write(`${text}\n`);
  }

  /** A line about the run itself (an interrupt) on stderr: an event in JSON mode. */
  notice(text: string): void {
    if (this.mode === 'json') this.jsonEvent('GITOPS_NOTE', text);
    else this.stderr.write(`${text}\n`);
  }

  /** One NDJSON line on stderr, in the reporter's format; blank lines around the text dropped. */
  private jsonEvent(code: InfoCode, text: string): void {
    const message = text.replace(/^\n+|\n+$/g, '');
    if (message === '') return;
    new NdjsonReporter((line) => this.stderr.write(line)).emit({
      type: 'info',
      at: Date.now(),
      code,
      message,
    });
  }

  /** Errors: a JSON object on stdout in JSON mode, otherwise a line (and hint) on stderr. */
  error(err: GitopsError): void {
    if (this.mode === 'json') {
      if (!this.printedDocument) {
        this.printedDocument = true;
        this.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
      }
    } else {
      const s = this.errStyle;
      this.stderr.write(`${s.red('error:')} ${err.message}\n`);
      for (const line of err.details) this.stderr.write(`${s.red('error:')} ${line}\n`);
      if (err.hint) this.stderr.write(`${s.dim('hint:')} ${err.hint}\n`);
    }
    if (this.verbose) {
      if (this.mode === 'json') this.jsonEvent('GITOPS_TRACE', causeChain(err));
      else this.stderr.write(`${causeChain(err)}\n`);
    }
  }
}

/** The whole story for --verbose: our stack, then each cause's. */
function causeChain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(
        depth === 0 ? (current.stack ?? current.message) : `caused by: ${current.stack ?? current.message}`,
      );
      current = current.cause;
    } else {
      parts.push(`caused by: ${String(current)}`);
      current = undefined;
    }
  }
  return parts.join('\n');
}

/** Every write goes through redact(); the stream keeps its other properties (isTTY, columns). */
function redacting(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, prop, receiver) {
      if (prop === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...a: unknown[]) => boolean)(
            typeof chunk === 'string' ? redact(chunk) : chunk,
            ...rest,
          );
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
