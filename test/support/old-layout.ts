/**
 * A cluster folder as gitops wrote it before layers, for the tests of `gitops migrate`: every
 * profile of the chain copied under profile/<name>/ with the cluster's values in place, one
 * Kustomization for all of it (the root lists flux-system and profile), and profile/source.yaml
 * recording the parameters, and no cluster-values.yaml (it came with layers). Made from today's
 * rendering of the profile, so the conversion finds each object's layer. Not a test file itself.
 */
import { stringify } from 'yaml';
import { fluxSubstitute } from '../../src/integrations/profiles/postbuild.js';
import type { RenderedCluster } from '../../src/integrations/profiles/render.js';

const index = (...resources: string[]) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}\n`).join('')}`;

/**
 * Repository path -> text (null: the file is removed): the old folder, and the files of the
 * layered layout taken away. `components`, when given, is written as flux-system's manifests.
 */
export function oldLayout(rendered: RenderedCluster, components?: string): Record<string, string | null> {
  const vars = new Map(Object.entries(rendered.values.data));
  const p = rendered.path;
  const files: Record<string, string | null> = {
    [`${p}/kustomization.yaml`]: index('flux-system', 'profile'),
    [`${p}/cluster.yaml`]: rendered.files['cluster.yaml']!,
    [`${p}/profile/kustomization.yaml`]: index(...rendered.shared.map((s) => s.name)),
    [`${p}/profile/source.yaml`]: stringify({
      apiVersion: 'gitops.dev/v1alpha1',
      kind: 'ProfileSource',
      name: rendered.values.profile.name,
      version: '1.0.0',
      parameters: rendered.parameters,
    }),
    [`${p}/values.yaml`]: null,
    // Provisioning outputs came later too: the earlier layout wrote none.
    [`${p}/cluster-values.yaml`]: null,
    [`${p}/layers.yaml`]: null,
    [`${p}/controllers/kustomization.yaml`]: null,
    [`${p}/configs/kustomization.yaml`]: null,
    [`${p}/apps/kustomization.yaml`]: null,
  };
  if (components !== undefined) {
    files[`${p}/flux-system/kustomization.yaml`] = index('gotk-components.yaml');
    files[`${p}/flux-system/gotk-components.yaml`] = components;
  }
  for (const s of rendered.shared) {
    files[`${p}/profile/${s.name}/kustomization.yaml`] = index(...s.layers);
    for (const [rel, text] of Object.entries(s.files)) {
      if (rel !== 'source.yaml') files[`${p}/profile/${s.name}/${rel}`] = fluxSubstitute(text, vars);
    }
  }
  return files;
}
