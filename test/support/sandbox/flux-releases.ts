/**
 * A local stand-in for Flux's release downloads (nothing here reaches github.com): serves
 * `/v<version>/install.yaml` on 127.0.0.1 so the CLI's real download-verify-cache path runs.
 * It publishes the real Flux distribution from ../shared/fixtures/flux when present (Flux
 * v2.1.2's components, by their controller versions), else the project's own small bundle.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FIXTURES_DIR, FLUX_FIXTURE_DIR } from '../kube/fixtures.js';

export interface FluxRelease {
  url: string;
  version: string;
  text: string;
  /** What the CLI needs to download from here. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export function sandboxFluxRelease(): { version: string; text: string } {
  const real = join(FLUX_FIXTURE_DIR, 'gotk-components.yaml');
  if (existsSync(real)) return { version: '2.1.2', text: readFileSync(real, 'utf8') };
  return { version: '0.0.0', text: readFileSync(join(FIXTURES_DIR, 'flux-mini.yaml'), 'utf8') };
}

export async function startFluxReleaseServer(): Promise<FluxRelease> {
  const { version, text } = sandboxFluxRelease();
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/v${version}/install.yaml`) {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      res.end(text);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    version,
    text,
    env: { GITOPS_FLUX_RELEASE_BASE_URL: url, GITOPS_FLUX_VERSION: version },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
