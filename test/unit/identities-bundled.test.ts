// The bundled profiles' workload identities: every policy is valid IAM, and scoped. "*" is left
// only for actions that AWS documents as taking no resource-level permission (listed below with
// where that is said); every other resource names this cluster's partition, region and account,
// or the one hosted zone, and write actions on shared resource types are conditioned on this
// cluster's tags.
import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import { builtinsFor, resolveParameters } from '../../src/integrations/profiles/parameters.js';
import { clusterBucketName } from '../../src/spec/bucket.js';
import { policyIssues } from '../../src/spec/iam-policy.js';
import type { WorkloadIdentity } from '../../src/spec/identity.js';

const ACCOUNT = '123456789012';
const ZONE = 'Z0123456789EXAMPLE';

/**
 * Actions granted on "*" because they have no resource-level permissions:
 * - Describe/List calls of EC2, Elastic Load Balancing and Auto Scaling ("Describe actions do
 *   not support resource-level permissions", Auto Scaling User Guide, identity-based policy
 *   examples; the Service Authorization Reference lists no resource type for them);
 * - ec2:GetInstanceTypesFromInstanceRequirements, acm:ListCertificates,
 *   route53:ListHostedZones: no resource type in the Service Authorization Reference;
 * - ec2:GetSecurityGroupsForVpc: granted on "*" by the AWS Load Balancer Controller's own
 *   reference policy (v2.10.1 docs/install/iam_policy.json); not confirmed narrower here.
 */
const UNSCOPED = /^(ec2:Describe\w+|elasticloadbalancing:Describe\w+|autoscaling:Describe\w+)$/;
const UNSCOPED_ALSO = new Set([
  'ec2:GetInstanceTypesFromInstanceRequirements',
  'ec2:GetSecurityGroupsForVpc',
  'acm:ListCertificates',
  'route53:ListHostedZones',
  // ECR's authorization token is for the registry, not a repository (AWS: resource "*").
  'ecr:GetAuthorizationToken',
]);

/** Write actions on resource types other clusters share the account with: tag-conditioned. */
const TAG_CONDITIONED = [
  'autoscaling:SetDesiredCapacity',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  'elasticloadbalancing:CreateLoadBalancer',
  'elasticloadbalancing:DeleteLoadBalancer',
  'elasticloadbalancing:DeleteTargetGroup',
  'ec2:DeleteSecurityGroup',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:RevokeSecurityGroupIngress',
];

async function identitiesOf(name: string): Promise<WorkloadIdentity[]> {
  const profile = await resolveProfile(name, { env: process.env });
  const values: Record<string, string> = name === 'mobile' ? { hostedZoneId: ZONE } : {};
  const params = resolveParameters(profile.profile, values, builtinsFor('research', 'us-west-2', ACCOUNT));
  const addons = profile.profile.addons.map((a) => a.name);
  return resolveIdentities({ layers: profile.profiles, spec: undefined, specSource: 'test', params, addons });
}

async function bucketsOf(name: string): Promise<string[]> {
  const profile = await resolveProfile(name, { env: process.env });
  return (profile.profile.buckets ?? []).map((b) =>
    clusterBucketName(ACCOUNT, 'us-west-2', 'research', b.name),
  );
}

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

describe.each(['base', 'ml', 'mobile'])('bundled profile %s: workload identities', (name) => {
  it('every policy is valid IAM, each statement saying why in its Sid', async () => {
    for (const identity of await identitiesOf(name)) {
      for (const p of identity.inlinePolicies) {
        const doc = JSON.parse(p.document) as { Statement: Statement[] };
        expect(policyIssues(doc), `${p.name}`).toEqual([]);
        for (const s of doc.Statement)
          expect(s.Sid, `${p.name}: a statement has no Sid`).toMatch(/^[A-Z]\w{7,}$/);
      }
      for (const arn of identity.managedPolicyArns) expect(arn).toMatch(/^arn:aws:iam::aws:policy\//);
    }
  });

  it('"*" only where AWS documents no resource-level permissions; otherwise this account and region', async () => {
    for (const identity of await identitiesOf(name)) {
      for (const p of identity.inlinePolicies) {
        for (const s of (JSON.parse(p.document) as { Statement: Statement[] }).Statement) {
          const actions = list(s.Action);
          for (const a of actions) expect(a, `${p.name}: wildcard action`).not.toContain('*');
          for (const r of list(s.Resource)) {
            if (r === '*') {
              const wide = actions.filter((a) => !UNSCOPED.test(a) && !UNSCOPED_ALSO.has(a));
              expect(wide, `${p.name} ${s.Sid}: granted on "*"`).toEqual([]);
            } else if (r.startsWith('arn:aws:route53:::')) {
              expect(r).toBe(`arn:aws:route53:::hostedzone/${ZONE}`);
            } else if (r.startsWith('arn:aws:s3:::')) {
              // S3 ARNs name no region or account: a bucket this cluster's profile asked for, only.
              const buckets = await bucketsOf(name);
              expect(buckets.length, `${p.name} ${s.Sid}: the profile declares no bucket`).toBeGreaterThan(0);
              expect(buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`])).toContain(r);
            } else if (r.startsWith('arn:aws:iam::')) {
              expect(r).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/aws-service-role/`));
            } else {
              expect(r, `${p.name} ${s.Sid}`).toMatch(
                new RegExp(`^arn:aws:[a-z0-9-]+:us-west-2:${ACCOUNT}:`),
              );
            }
          }
          for (const a of actions.filter((x) => TAG_CONDITIONED.includes(x))) {
            const keys = Object.values(s.Condition ?? {}).flatMap((block) => Object.keys(block));
            expect(
              keys.some((k) => /^aws:(Resource|Request)Tag\/.*(research|elbv2\.k8s\.aws\/cluster)/.test(k)),
              `${p.name} ${s.Sid}: ${a} is not conditioned on this cluster's tags`,
            ).toBe(true);
          }
        }
      }
    }
  });
});

describe('what each bundled profile declares', () => {
  it('ml and mobile give the EBS CSI driver its AWS managed policy through the add-on', async () => {
    for (const name of ['ml', 'mobile']) {
      const ebs = (await identitiesOf(name)).find((i) => i.serviceAccount === 'ebs-csi-controller-sa');
      expect(ebs).toEqual({
        namespace: 'kube-system',
        serviceAccount: 'ebs-csi-controller-sa',
        addon: 'aws-ebs-csi-driver',
        managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy'],
        inlinePolicies: [],
      });
    }
  });

  it('base: the load balancer controller and the autoscaler; mobile adds external-dns for one zone and the image reflector', async () => {
    const keys = async (n: string) =>
      (await identitiesOf(n)).map((i) => `${i.namespace}/${i.serviceAccount}`);
    expect(await keys('base')).toEqual([
      'kube-system/aws-load-balancer-controller',
      'kube-system/cluster-autoscaler',
    ]);
    expect(await keys('mobile')).toEqual([
      'external-dns/external-dns',
      'flux-system/image-reflector-controller',
      'kube-system/aws-load-balancer-controller',
      'kube-system/cluster-autoscaler',
      'kube-system/ebs-csi-controller-sa',
    ]);
    const autoscaler = (await identitiesOf('base')).find((i) => i.serviceAccount === 'cluster-autoscaler')!;
    expect(autoscaler.inlinePolicies[0]!.document).toContain(
      'aws:ResourceTag/k8s.io/cluster-autoscaler/research',
    );
  });

  it('mobile cannot be bootstrapped without the hosted zone external-dns may write', async () => {
    const profile = await resolveProfile('mobile', { env: process.env });
    const params = resolveParameters(profile.profile, {}, builtinsFor('research', 'us-west-2', ACCOUNT));
    expect(() =>
      resolveIdentities({
        layers: profile.profiles,
        spec: undefined,
        specSource: 'x',
        params,
        addons: ['aws-ebs-csi-driver'],
      }),
    ).toThrow(/external-dns\.json: Statement\[1\]\.Resource: parameter "hostedZoneId" has no value/);
  });
});
