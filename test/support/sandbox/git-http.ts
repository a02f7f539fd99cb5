/**
 * A Git server on loopback speaking Git's smart HTTP protocol through the real
 * `git http-backend`, so the sandbox's fleet repositories have the http:// URLs Flux's
 * GitRepository accepts (its schema refuses file://). Pushes need HTTP basic auth with the
 * configured token when one is set: the CLI's credential handling is exercised for real.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';

export interface GitHttpServer {
  url: string;
  root: string;
  /** Creates an empty bare repository and returns its URL. */
  createRepo(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startGitHttpServer(
  root: string,
  options: { token?: string } = {},
): Promise<GitHttpServer> {
  mkdirSync(root, { recursive: true });
  const server = createServer((req, res) => {
    if (!authorised(req, options.token)) {
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="gitops sandbox"' })
        .end('authentication required\n');
      return;
    }
    serve(root, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    root,
    async createRepo(name) {
      const dir = join(root, name);
      await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', dir]);
      await simpleGit(dir).raw(['config', 'http.receivepack', 'true']);
      return `${url}/${name}`;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads are open (as a public repo's would be); only pushes need the token, when one is set. */
function authorised(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const push = (req.url ?? '').includes('git-receive-pack');
  if (!push) return true;
  const header = req.headers.authorization ?? '';
  const m = /^Basic (.+)$/.exec(header);
  if (!m) return false;
  const [, password] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':', 2);
  return password === token;
}

function serve(root: string, req: IncomingMessage, res: ServerResponse): void {
  const u = new URL(req.url ?? '/', 'http://sandbox');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(u.pathname),
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: u.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: 'sandbox',
      REMOTE_ADDR: '127.0.0.1',
      ...(req.headers['content-encoding']
        ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) }
        : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const key = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => {
    if (!headersDone) res.writeHead(500).end('git http-backend failed\n');
    else res.end();
  });
}
