/**
 * The cluster spec example of the top-level README is what a user copies first: it must be a
 * spec gitops accepts, with the bundled profile it names (every parameter it sets declared there,
 * every value one Flux reads back as written) and its identities valid.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import { builtinsFor, resolveParameters } from '../../src/integrations/profiles/parameters.js';
import { renderCluster } from '../../src/integrations/profiles/render.js';
import { parseClusterFile } from '../../src/spec/cluster-file.js';
import { FLUX } from '../support/flux-kinds.js';

const README = path.join(import.meta.dirname, '..', '..', 'README.md');

/** The yaml block right after the heading of the cluster spec. */
function specExample(): string {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf('### The cluster spec (`gitops.yaml`)');
  expect(at).toBeGreaterThan(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(text.slice(at));
  expect(block).not.toBeNull();
  return block![1]!;
}

describe("the README's cluster spec example", () => {
  it('is a valid spec whose parameters the profile declares and whose identities resolve', async () => {
    const spec = parseClusterFile(specExample(), 'README.md');
    const profile = await resolveProfile(spec.profile.source, { env: process.env });
    const declared = new Set(profile.profile.parameters.map((p) => p.name));
    const set = Object.keys(spec.profile.parameters);
    expect(set.length).toBeGreaterThan(0);
    expect(set.filter((p) => !declared.has(p))).toEqual([]);

    const account = '123456789012';
    const params = resolveParameters(
      profile.profile,
      spec.profile.parameters,
      builtinsFor(spec.name, spec.region, account),
    );
    const identities = resolveIdentities({
      layers: profile.profiles,
      params,
      spec: spec.identities,
      specSource: 'README.md',
      addons: profile.profile.addons.map((a) => a.name),
    });
    const exporter = identities.find((i) => `${i.namespace}/${i.serviceAccount}` === 'reports/exporter');
    expect(exporter?.inlinePolicies.map((p) => p.document)).toEqual([
      expect.stringContaining('arn:aws:s3:::exports/research/*'),
    ]);

    // Rendering runs the checks of what Flux will read for each value the example sets.
    const out = renderCluster({
      spec: { ...spec, kubernetesVersion: spec.kubernetesVersion ?? '1.34' },
      profile,
      accountId: account,
      reconciler: FLUX,
    });
    for (const [k, v] of Object.entries(spec.profile.parameters)) expect(out.values.data[k]).toBe(String(v));
  });
});
