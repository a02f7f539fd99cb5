// Where workload identities sit in the bootstrap plan: Flux is pointed at the fleet only once the
// Pod Identity agent and every association exist (EKS gives credentials to pods created after
// the association), and the fleet push waits for the network (the VPC id goes into
// cluster-values).
import { fluxCrdsYaml } from '../support/flux-kinds.js';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/integrations/aws/clients.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import {
  builtinsFor,
  profileBuckets,
  resolveParameters,
} from '../../src/integrations/profiles/parameters.js';
import { effectiveClusterSpec } from '../../src/integrations/profiles/render.js';
import { reconcilerFor } from '../../src/integrations/reconciler/index.js';
import { bootstrapPlan } from '../../src/usecases/bootstrap/plan.js';
import { spec } from './profiles-helpers.js';

async function mlPlan() {
  const requested = spec({ fleet: { url: 'https://git.example.com/fleet.git' } });
  const profile = await resolveProfile('ml', { env: process.env });
  const builtins = builtinsFor('research', 'us-west-2', '123456789012');
  const params = resolveParameters(profile.profile, {}, builtins);
  const effective = effectiveClusterSpec(requested, profile.profile, params);
  const identities = resolveIdentities({
    layers: profile.profiles,
    spec: undefined,
    specSource: 'test',
    params,
    addons: ['vpc-cni', 'kube-proxy', 'coredns', 'eks-pod-identity-agent', 'aws-ebs-csi-driver'],
  });
  const built = bootstrapPlan(
    {
      spec: effective,
      requested,
      profile,
      identities,
      buckets: profileBuckets(profile.profile, builtins),
      accountId: '123456789012',
      callerArn: 'arn:aws:iam::123456789012:user/ci',
      manifests: {
        version: '2.9.6',
        text: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n---\n${fluxCrdsYaml()}`,
        sha256: '0'.repeat(64),
        origin: 'cache',
        location: 'test',
        verification: 'pinned',
      },
    },
    {
      aws: createAwsClients({ region: 'us-west-2', endpoint: 'http://127.0.0.1:9' }),
      reconciler: reconcilerFor('flux'),
      credentials: { type: 'none' },
      sourceUrl: 'https://git.example.com/fleet.git',
      env: {},
      pollMs: 10,
    },
  );
  built.close();
  return built.plan;
}

describe('bootstrap plan with workload identities', () => {
  it('points Flux at the fleet only after the agent and every association', async () => {
    const plan = await mlPlan();
    const sync = plan.steps.find((s) => s.id === 'flux:sync')!;
    expect(sync.dependsOn).toEqual(
      expect.arrayContaining([
        'aws:addon:eks-pod-identity-agent',
        'aws:pod-identity:kube-system/aws-load-balancer-controller',
        'aws:pod-identity:kube-system/cluster-autoscaler',
      ]),
    );
    // MLflow keeps its artifacts in the profile's bucket: it exists before the apps start.
    expect(sync.dependsOn).toContain('aws:s3:mlflow-artifacts');
    expect(plan.steps.find((s) => s.id === 'aws:s3:mlflow-artifacts')?.dependsOn ?? []).toEqual([]);
    // The EBS driver's association comes with its add-on, whose pods EKS starts itself.
    expect(sync.dependsOn).not.toContain('aws:addon:aws-ebs-csi-driver');
    const ebs = plan.steps.find((s) => s.id === 'aws:addon:aws-ebs-csi-driver')!;
    expect(ebs.dependsOn).toEqual(['aws:cluster', 'aws:identity:kube-system/ebs-csi-controller-sa']);
  });

  it('pushes the fleet once the network is known, and roles start at once', async () => {
    const plan = await mlPlan();
    expect(plan.steps.find((s) => s.id === 'fleet:publish')?.dependsOn).toEqual(['aws:network']);
    for (const s of plan.steps.filter((x) => x.id.startsWith('aws:identity:')))
      expect(s.dependsOn ?? []).toEqual([]);
    expect(plan.steps.find((s) => s.id === 'aws:identities')?.dependsOn).toEqual([
      'aws:cluster',
      'aws:pod-identity:flux-system/image-reflector-controller',
      'aws:pod-identity:kube-system/aws-load-balancer-controller',
      'aws:pod-identity:kube-system/cluster-autoscaler',
      'aws:pod-identity:mlflow/mlflow',
      'aws:pod-identity:models/sample-model',
      'aws:addon:aws-ebs-csi-driver',
    ]);
  });
});
