/**
 * An HTTP proxy in front of the sandbox's Git server, for Git faults at push time: pushes that
 * update a branch can be cut off (the remote unreachable just then), or held while another writer
 * pushes first (a push race). Reads and pushes of other refs (the run's lease) pass untouched.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface GitProxy {
  url: string;
  /** Drop the connection of every push that updates a branch. */
  blockBranchPushes: boolean;
  /** Runs once, before the next branch push is passed on. */
  beforeBranchPush: (() => Promise<void>) | undefined;
  /** Branch pushes seen (passed, held or dropped). */
  branchPushes: number;
  close(): Promise<void>;
}

export async function startGitProxy(target: string): Promise<GitProxy> {
  const to = new URL(target);
  const proxy: GitProxy = {
    url: '',
    blockBranchPushes: false,
    beforeBranchPush: undefined,
    branchPushes: 0,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      if (
        req.method === 'POST' &&
        (req.url ?? '').includes('git-receive-pack') &&
        updatesBranch(req.headers, body)
      ) {
        proxy.branchPushes++;
        if (proxy.blockBranchPushes) {
          req.socket.destroy();
          return;
        }
        const hook = proxy.beforeBranchPush;
        proxy.beforeBranchPush = undefined;
        await hook?.();
      }
      const out = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}

/** The ref-update commands lead a receive-pack request: `<old> <new> refs/heads/main`. */
function updatesBranch(headers: Record<string, string | string[] | undefined>, body: Buffer): boolean {
  const raw = headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
  return raw.subarray(0, 4096).toString('latin1').includes(' refs/heads/');
}
