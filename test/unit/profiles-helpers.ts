/** Writes throwaway profile folders for the profile and render tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RenderedCluster } from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { clusterSpecSchema, type ClusterSpec, type ClusterSpecInput } from '../../src/spec/schema.js';

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export function profileYaml(name: string, extra = ''): string {
  return `apiVersion: gitops.dev/v1alpha1\nkind: Profile\nname: ${name}\ndescription: test profile ${name}\nversion: 1.0.0\n${extra}`;
}

export const KUSTOMIZATION = (...resources: string[]) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}\n`).join('')}`;

export function spec(overrides: Partial<ClusterSpecInput> = {}): ClusterSpec {
  return withVersion({
    name: 'research',
    region: 'us-west-2',
    profile: { source: 'ml' },
    fleet: { url: 'file:///tmp/fleet.git' },
    ...overrides,
  });
}

/** A parsed spec with its Kubernetes version chosen, as the bootstrap use case makes it. */
function withVersion(input: ClusterSpecInput): ClusterSpec {
  const parsed = clusterSpecSchema.parse(input);
  return { ...parsed, kubernetesVersion: parsed.kubernetesVersion ?? '1.34' };
}

/**
 * Everything a bootstrap writes for a rendered cluster, as repository path -> text: the shared
 * profile copies, the cluster's own files, the team files as first written and Flux's layer
 * files; flux-system/ holds an empty kustomization (the install manifests are not needed here).
 */
export function fleetTree(rendered: RenderedCluster): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of rendered.shared)
    for (const [rel, text] of Object.entries(s.files)) out[`${s.folder}/${rel}`] = text;
  const cluster = {
    ...rendered.files,
    ...rendered.teamFiles,
    ...flux.layerFiles({ layers: rendered.layers, values: rendered.values }),
    'flux-system/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n',
  };
  for (const [rel, text] of Object.entries(cluster)) out[`${rendered.path}/${rel}`] = text;
  return out;
}
