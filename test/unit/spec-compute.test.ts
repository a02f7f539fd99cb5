// The compute mode in the cluster spec (--compute / compute:) and the facts about EKS Auto Mode it
// decides with: what a spec in auto mode may not ask for, the roles' policies and trust, and the
// add-on versions Auto Mode needs on a cluster it is turned on for.
import { describe, expect, it } from 'vitest';
import { minimumForAutoMode } from '../../src/integrations/aws/auto-mode.js';
import { rolePolicies, trustPolicy } from '../../src/integrations/aws/iam.js';
import { clusterAddons } from '../../src/integrations/aws/provision.js';
import { trustAllows } from '../../src/integrations/aws/trust.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import { parseYamlText } from '../../src/primitives/yaml.js';
import { forCompute } from '../../src/spec/compute.js';
import { buildClusterSpec } from '../../src/spec/from-flags.js';

const base = [
  'name: research',
  'region: us-west-2',
  'profile: { source: ml }',
  'fleet: { url: "file:///tmp/f.git" }',
];
const fromYaml = (lines: string[], flags = {}) =>
  buildClusterSpec({ file: parseYamlText([...base, ...lines].join('\n'), 'gitops.yaml'), flags });

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isGitopsError(e)) return e.message;
    throw e;
  }
  throw new Error('expected an error');
}

describe('compute in the cluster spec', () => {
  it('defaults to node groups; the flag overrides the file', () => {
    expect(fromYaml([]).compute).toBe('nodegroups');
    expect(fromYaml(['compute: auto']).compute).toBe('auto');
    expect(fromYaml(['compute: auto'], { compute: 'nodegroups' }).compute).toBe('nodegroups');
  });

  it('names the flag or the file line of a bad value', () => {
    expect(messageOf(() => fromYaml([], { compute: 'fargate' }))).toBe(
      '--compute "fargate": must be one of nodegroups, auto',
    );
    expect(messageOf(() => fromYaml(['compute: karpenter']))).toBe(
      'gitops.yaml: compute: must be one of nodegroups, auto (line 5)',
    );
  });

  it('refuses managed node groups, replaced add-ons and old versions with compute: auto', () => {
    expect(
      messageOf(() =>
        fromYaml([
          'compute: auto',
          'nodeGroups:',
          '  - { name: a, instanceTypes: [m5.large], minSize: 1, desiredSize: 1, maxSize: 2 }',
        ]),
      ),
    ).toMatch(/^gitops\.yaml: nodeGroups: compute: auto runs no managed node groups .* \(line 7\)$/);
    expect(messageOf(() => fromYaml(['compute: auto', 'addons: [{ name: coredns }]']))).toBe(
      'gitops.yaml: addons[0].name: coredns is built into EKS Auto Mode (compute: auto); remove it from addons (line 6)',
    );
    expect(messageOf(() => fromYaml(['compute: auto', 'kubernetesVersion: "1.28"']))).toBe(
      'gitops.yaml: kubernetesVersion: EKS Auto Mode needs Kubernetes 1.29 or later, not 1.28 (line 6)',
    );
    // Add-ons Auto Mode does not replace are fine.
    expect(fromYaml(['compute: auto', 'addons: [{ name: snapshot-controller }]']).addons).toEqual([
      { name: 'snapshot-controller' },
    ]);
  });

  it("leaves the profile's node groups and replaced add-ons out of an auto spec", () => {
    const spec = {
      compute: 'auto' as const,
      nodeGroups: [{ name: 'system' }],
      addons: [{ name: 'aws-ebs-csi-driver' }, { name: 'snapshot-controller' }],
    };
    expect(forCompute(spec)).toEqual({ ...spec, nodeGroups: [], addons: [{ name: 'snapshot-controller' }] });
    expect(forCompute({ ...spec, compute: 'nodegroups' as const })).toEqual({
      ...spec,
      compute: 'nodegroups',
    });
    expect(clusterAddons({ compute: 'auto', addons: [] })).toEqual([]);
    expect(clusterAddons({ compute: 'nodegroups', addons: [] }).map((a) => a.name)).toEqual([
      'vpc-cni',
      'kube-proxy',
      'coredns',
      'eks-pod-identity-agent',
    ]);
  });
});

describe('EKS Auto Mode facts', () => {
  it("gives each role AWS's managed policies for its mode", () => {
    const names = (arns: string[]) => arns.map((a) => a.split('/').pop());
    expect(names(rolePolicies('us-west-2', 'cluster'))).toEqual(['AmazonEKSClusterPolicy']);
    expect(names(rolePolicies('us-west-2', 'cluster', 'auto'))).toEqual([
      'AmazonEKSClusterPolicy',
      'AmazonEKSComputePolicy',
      'AmazonEKSBlockStoragePolicy',
      'AmazonEKSLoadBalancingPolicy',
      'AmazonEKSNetworkingPolicy',
    ]);
    expect(names(rolePolicies('us-west-2', 'auto-node'))).toEqual([
      'AmazonEKSWorkerNodeMinimalPolicy',
      'AmazonEC2ContainerRegistryPullOnly',
    ]);
    expect(rolePolicies('cn-north-1', 'auto-node')[0]).toBe(
      'arn:aws-cn:iam::aws:policy/AmazonEKSWorkerNodeMinimalPolicy',
    );
  });

  it('reads trust policies: TagSession for the cluster role, EC2 for the Auto Mode node role', () => {
    expect(trustAllows(trustPolicy('us-west-2', 'cluster'), 'eks.amazonaws.com', 'sts:TagSession')).toBe(
      true,
    );
    expect(trustAllows(trustPolicy('us-west-2', 'auto-node'), 'ec2.amazonaws.com', 'sts:AssumeRole')).toBe(
      true,
    );
    const old = JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(trustAllows(old, 'eks.amazonaws.com', 'sts:TagSession')).toBe(false);
    const wildcard = JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: { Service: ['eks.amazonaws.com'] }, Action: ['sts:*'] }],
    });
    expect(trustAllows(wildcard, 'eks.amazonaws.com', 'sts:TagSession')).toBe(true);
    expect(trustAllows('not json', 'eks.amazonaws.com', 'sts:AssumeRole')).toBe(false);
  });

  it("knows AWS's least add-on versions for turning Auto Mode on", () => {
    expect(minimumForAutoMode('vpc-cni', 'v1.18.6-eksbuild.1')).toBe('v1.19.0-eksbuild.1');
    expect(minimumForAutoMode('kube-proxy', 'v1.30.0-eksbuild.1')).toBe('v1.30.6-eksbuild.3');
    expect(minimumForAutoMode('kube-proxy', 'v1.33.3-eksbuild.2')).toBeUndefined();
    expect(minimumForAutoMode('coredns', 'v1.11.4-eksbuild.2')).toBeUndefined();
  });
});
