/**
 * A bootstrap's fleet write without AWS: render a cluster from a profile, add Flux's files (with
 * a stand-in install bundle) and publish the change as bootstrap does, to a bare repository.
 * Not a test file itself.
 */
import { publishFleet, type PublishResult } from '../../src/integrations/git/fleet.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { clusterChange } from '../../src/integrations/profiles/fleet-change.js';
import {
  commitMessage,
  type RenderedCluster,
  renderCluster,
} from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import type { ReadCredentials } from '../../src/integrations/reconciler/reconciler.js';
import type { ParameterValue } from '../../src/integrations/profiles/model.js';
import { FLUX } from '../support/flux-kinds.js';
import { spec } from './profiles-helpers.js';

export const ACCOUNT = '123456789012';

const MANIFESTS = {
  version: '2.9.3',
  text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n',
  sha256: '0'.repeat(64),
  verification: 'pinned' as const,
  origin: 'cache' as const,
  location: 'test',
};

export async function renderFor(
  cluster: string,
  profile: string,
  url: string,
  parameters: Record<string, ParameterValue> = {},
): Promise<RenderedCluster> {
  return renderCluster({
    spec: spec({ name: cluster, profile: { source: profile, parameters }, fleet: { url } }),
    profile: await resolveProfile(profile, { env: process.env }),
    accountId: ACCOUNT,
    reconciler: FLUX,
  });
}

/** Everything the cluster folder gets from the reconciler: flux-system/ and the layer files. */
export function reconcilerFiles(
  rendered: RenderedCluster,
  url: string,
  credentials: ReadCredentials = { type: 'none' },
): Record<string, string> {
  return {
    ...flux.fleetFiles(MANIFESTS, { url, branch: 'main', path: rendered.path }, credentials),
    ...flux.layerFiles({ layers: rendered.layers, values: rendered.values }),
  };
}

export async function publishRendered(rendered: RenderedCluster, url: string): Promise<PublishResult> {
  return publishFleet({
    env: process.env,
    url,
    branch: 'main',
    path: rendered.path,
    change: clusterChange({
      rendered,
      reconcilerFiles: reconcilerFiles(rendered, url),
      migrateCommand: `gitops migrate --cluster ${rendered.spec.name}`,
    }),
    message: `gitops: bootstrap ${rendered.spec.name} with profile ${rendered.values.profile.name}@${rendered.values.profile.version}`,
  });
}

export { commitMessage };
