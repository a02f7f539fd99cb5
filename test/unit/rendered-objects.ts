/**
 * The objects Flux would apply for a cluster on a bundled profile, rendered, built and substituted
 * as `gitops diff` builds them, and small readers for the tests that check how they name each
 * other (mobile's canary, ml's model rollout).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { renderCluster } from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { clusterSpecSchema } from '../../src/spec/schema.js';
import { FLUX } from '../support/flux-kinds.js';
import { fleetTree, writeFiles } from './profiles-helpers.js';

export async function renderedFluxObjects(
  cluster: string,
  region: string,
  profile: string,
  parameters: Record<string, string>,
): Promise<KubeObject[]> {
  const spec = {
    kubernetesVersion: '1.34',
    ...clusterSpecSchema.parse({
      name: cluster,
      region,
      profile: { source: profile, parameters },
      fleet: { url: 'file:///tmp/fleet.git' },
    }),
  };
  const out = renderCluster({
    spec,
    profile: await resolveProfile(profile, { env: process.env }),
    accountId: '123456789012',
    reconciler: FLUX,
  });
  const checkout = mkdtempSync(path.join(os.tmpdir(), `gitops-${cluster}-`));
  try {
    writeFiles(checkout, fleetTree(out));
    return (await flux.desired(checkout, out.path)).objects;
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
}

export type Tree = Record<string, unknown>;

/** The value at a path of keys and indexes, or undefined where the path leaves the tree. */
export const field = (o: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Tree)[k] : undefined), o);
export const str = (o: unknown, ...keys: (string | number)[]): string => String(field(o, ...keys) ?? '');

/** The one object of this kind and name (and namespace, when given); fails the test otherwise. */
export function oneOf(
  objects: readonly KubeObject[],
  kind: string,
  name: string,
  namespace?: string,
): KubeObject {
  const found = objects.filter(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
  expect(found, `${kind} ${namespace ?? ''}/${name}`).toHaveLength(1);
  return found[0]!;
}
