/**
 * A local stand-in for Flux's release downloads (nothing here reaches github.com): serves
 * `/v<version>/install.yaml` on 127.0.0.1 so the CLI's real download-verify-cache path runs.
 * It publishes Flux v2.9.3's components as the 1.20 apiserver can store them (a derivative with
 * the CEL validation keys removed, see ../flux/derivative.ts) when ../shared/fixtures/flux-v2.9.3
 * is present, else the project's minimal Flux-shaped bundle under a version no Flux release has;
 * `description` says which, in one line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SandboxFluxBundle, sandboxFluxBundle } from '../flux/derivative.js';

export interface FluxRelease extends SandboxFluxBundle {
  url: string;
  /** What the CLI needs to download from here. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startFluxReleaseServer(): Promise<FluxRelease> {
  const bundle = sandboxFluxBundle();
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/v${bundle.version}/install.yaml`) {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      res.end(bundle.text);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...bundle,
    url,
    env: {
      GITOPS_FLUX_RELEASE_BASE_URL: url,
      GITOPS_FLUX_VERSION: bundle.version,
      // For people and tests reading the env file: what the mirror serves, in one line.
      GITOPS_SANDBOX_FLUX: bundle.description,
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
