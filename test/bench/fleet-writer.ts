/**
 * One CI-matrix job of `fleet-bootstrap-concurrent`, in its own process: bootstrap's fleet write
 * for one cluster (bundled by the benchmark, then `node <bundle> <fleet-url> <cluster> <flux>`): the
 * cluster lease, the bundled ml profile rendered with the sandbox's Flux components, and the
 * commit pushed with bootstrap's change (rebased over concurrent pushes, never forced). Prints one
 * JSON line: the revision it pushed and how many attempts that took.
 */
import { clusterLease } from '../../src/integrations/git/lease.js';
import { publishFleet } from '../../src/integrations/git/fleet.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { clusterChange } from '../../src/integrations/profiles/fleet-change.js';
import { CLUSTER_SPEC_FILE } from '../../src/integrations/profiles/layout.js';
import { commitMessage, renderCluster } from '../../src/integrations/profiles/render.js';
import { flux } from '../../src/integrations/reconciler/flux/index.js';
import { clusterSpecSchema } from '../../src/spec/schema.js';
import { readFileSync } from 'node:fs';

const [url, cluster, bundleFile] = process.argv.slice(2);
if (!url || !cluster || !bundleFile) {
  throw new Error('usage: fleet-writer.ts <fleet-url> <cluster> <flux-bundle.json>');
}
const env = process.env;
// The Flux components as bootstrap finds them: a file read from its cache, not derived anew.
const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as { version: string; text: string };
const manifests = {
  version: bundle.version,
  text: bundle.text,
  sha256: '',
  verification: 'pinned' as const,
  origin: 'cache' as const,
  location: 'sandbox',
};
const parsed = clusterSpecSchema.parse({
  name: cluster,
  region: 'us-west-2',
  profile: { source: 'ml' },
  fleet: { url },
});
const spec = { ...parsed, kubernetesVersion: parsed.kubernetesVersion ?? '1.34' };
const profile = await resolveProfile('ml', { env });
const reconciler = { name: flux.name, kinds: flux.apiKinds(manifests) };
const rendered = renderCluster({
  spec,
  profile,
  accountId: '123456789012',
  reconciler,
  clusterValues: {
    clusterName: cluster,
    region: spec.region,
    accountId: '123456789012',
    partition: 'aws',
    vpcId: 'vpc-0123456789abcdef0',
  },
});
const lease = await clusterLease({ url, cluster, operation: 'bootstrap', env });
try {
  const result = await publishFleet({
    env,
    url,
    branch: 'main',
    path: rendered.path,
    message: commitMessage(cluster, profile),
    change: clusterChange({
      rendered,
      reconcilerFiles: {
        ...flux.fleetFiles(manifests, { url, branch: 'main', path: rendered.path }, { type: 'none' }),
        ...flux.layerFiles({
          layers: rendered.layers,
          values: rendered.values,
          resources: Object.keys(rendered.files).filter((f) => f !== CLUSTER_SPEC_FILE),
        }),
      },
      migrateCommand: `gitops migrate --cluster ${cluster}`,
    }),
  });
  process.stdout.write(
    `${JSON.stringify({ revision: result.revision, attempts: result.attempts, committed: result.committed })}\n`,
  );
} finally {
  await lease?.release();
}
