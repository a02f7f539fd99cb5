/**
 * Git's plumbing, driven directly: commands that take their input on stdin (fast-import) and a
 * reader that serves many blobs through one `git cat-file --batch` process. Writing a commit this
 * way touches no working tree, so its cost follows the size of the change, not of the repository:
 * a fleet of 50 clusters costs a bootstrap no more than a fleet of one.
 */
import { spawn } from 'node:child_process';
import { systemError } from '../../primitives/errors.js';

export interface PlumbingOptions {
  dir: string;
  /** The full environment git runs with (gitEnv's output). */
  env: Record<string, string>;
  input?: string | Buffer;
  signal?: AbortSignal | undefined;
}

/** Runs one git command; resolves with stdout, rejects with git's stderr in the message. */
export function gitPlumbing(args: readonly string[], o: PlumbingOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(aborted());
    const child = spawn('git', args, { cwd: o.dir, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // A command that exits early closes its stdin; the close event below reports why.
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) return reject(aborted());
      if (code === 0) return resolve(Buffer.concat(out));
      const stderr = Buffer.concat(err).toString('utf8').trim();
      reject(new Error(`git ${args[0] ?? ''} failed (exit ${code}): ${stderr}`));
    });
    child.stdin.end(o.input ?? '');
  });
}

function aborted(): Error {
  return systemError('GITOPS_ABORTED', 'interrupted');
}

/**
 * Reads blobs by object name through one long-running `git cat-file --batch`: requests are
 * answered in order, so each waiter takes the next answer off the stream.
 */
export class BlobReader {
  private readonly child;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiting: { resolve: (b: Buffer | undefined) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(o: Omit<PlumbingOptions, 'input'>) {
    this.child = spawn('git', ['cat-file', '--batch'], {
      cwd: o.dir,
      env: o.env,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.child.stdout.on('data', (c: Buffer) => {
      this.buffer = this.buffer.length === 0 ? c : Buffer.concat([this.buffer, c]);
      this.drain();
    });
    this.child.stdin.on('error', () => undefined);
    const fail = (e: Error) => {
      this.failure = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.child.on('error', fail);
    this.child.on('close', (code) => fail(new Error(`git cat-file --batch ended (exit ${code})`)));
  }

  /** A blob's bytes, or undefined when the object is missing. */
  read(objectName: string): Promise<Buffer | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${objectName}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }

  /** Answers are `<name> <type> <size>\n<bytes>\n`, or `<name> missing\n`. */
  private drain(): void {
    for (;;) {
      const eol = this.buffer.indexOf(0x0a);
      if (eol < 0 || this.waiting.length === 0) return;
      const header = this.buffer.subarray(0, eol).toString('utf8');
      if (header.endsWith(' missing')) {
        this.buffer = this.buffer.subarray(eol + 1);
        this.waiting.shift()?.resolve(undefined);
        continue;
      }
      const size = Number(header.split(' ')[2]);
      if (!Number.isSafeInteger(size)) {
        this.waiting.shift()?.reject(new Error(`git cat-file --batch said "${header}"`));
        this.buffer = this.buffer.subarray(eol + 1);
        continue;
      }
      if (this.buffer.length < eol + 1 + size + 1) return;
      const body = Buffer.from(this.buffer.subarray(eol + 1, eol + 1 + size));
      this.buffer = this.buffer.subarray(eol + 1 + size + 1);
      this.waiting.shift()?.resolve(body);
    }
  }
}

/** A path as fast-import reads it: C-style quoted, so spaces, quotes and newlines are safe. */
export function quotePath(p: string): string {
  let out = '"';
  for (const byte of Buffer.from(p, 'utf8')) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}
