// Workload identities against the emulator with the real SDK clients: the ml profile's roles
// (trust, exact policies, tags, path) and their associations, seen in the dry run and created;
// the emulator's pod-identity report says which role each service account receives; a re-run
// changes nothing; drift made by hand is reported by status and corrected by the next run; an
// identity dropped from the profile goes; teardown leaves no role and no association.
import {
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { DeletePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { identitiesStatus } from '../../src/integrations/aws/identity-status.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import { builtinsFor, resolveParameters } from '../../src/integrations/profiles/parameters.js';
import { buildPlan } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import type { WorkloadIdentity } from '../../src/spec/identity.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig } from '../support/aws-emulator/testing.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, expectOk, mlSpec, run, startEmulator, teardown } from './fixtures.js';

const MUTATING = /^(Create|Delete|Put|Tag|Untag|Attach|Detach|Associate|Update|Modify)/;
const EBS = 'arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

async function mlIdentities(account: string): Promise<WorkloadIdentity[]> {
  const profile = await resolveProfile('ml', { env: process.env });
  const params = resolveParameters(profile.profile, {}, builtinsFor('research', 'us-west-2', account));
  const addons = ['vpc-cni', 'kube-proxy', 'coredns', 'eks-pod-identity-agent', 'aws-ebs-csi-driver'];
  return resolveIdentities({ layers: profile.profiles, spec: undefined, specSource: 'test', params, addons });
}

describe('workload identities, provisioned', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let identities: WorkloadIdentity[];
  const spec = mlSpec('research');
  const steps = () => provisionSteps(spec, aws, identities);
  const dryRun = () =>
    runPlan(buildPlan('dry', steps()), {
      sink: new RecordingSink(),
      dryRun: true,
      deadline: Date.now() + 30_000,
    });
  const roleOf = (sa: string) =>
    emu.state().iam.roles.find((r) => r.RoleName === `gitops-research-kube-system-${sa}`)!;
  const status = async () =>
    identitiesStatus(aws, 'research', Object.fromEntries(Object.entries(emu.state().eks.clusters[0]!.tags)));

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    identities = await mlIdentities(emu.accountId);
  });
  afterAll(() => emu.stop());

  it('a dry run from nothing shows each role with its policies and each association', async () => {
    const report = expectOk(await dryRun());
    const step = (id: string) => report.steps.find((s) => s.id === id);
    expect(step('aws:identity:kube-system/aws-load-balancer-controller')).toMatchObject({
      result: 'would-change',
      summary:
        'create role gitops-research-kube-system-aws-load-balancer-controller; put inline policy aws-load-balancer-controller',
    });
    expect(step('aws:identity:kube-system/ebs-csi-controller-sa')?.summary).toBe(
      'create role gitops-research-kube-system-ebs-csi-controller-sa; attach AmazonEBSCSIDriverPolicy',
    );
    expect(step('aws:pod-identity:kube-system/cluster-autoscaler')?.summary).toBe(
      'associate kube-system/cluster-autoscaler with role gitops-research-kube-system-cluster-autoscaler',
    );
    // The EBS driver's association travels with its add-on: no association step of its own.
    expect(step('aws:pod-identity:kube-system/ebs-csi-controller-sa')).toBeUndefined();
    expect(step('aws:identities')?.summary).toBe('record 6 identities on the cluster');
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });

  it('creates one role per identity, trusted by EKS Pod Identity, holding exactly the declared policies', async () => {
    expectOk(await run('provision', steps()));
    const roles = emu.state().iam.roles.filter((r) => r.Path === '/gitops/research/');
    expect(roles.map((r) => r.RoleName).sort()).toEqual([
      'gitops-research-flux-system-image-reflector-controller',
      'gitops-research-kube-system-aws-load-balancer-controller',
      'gitops-research-kube-system-cluster-autoscaler',
      'gitops-research-kube-system-ebs-csi-controller-sa',
      'gitops-research-mlflow-mlflow',
      'gitops-research-models-sample-model',
    ]);
    for (const r of roles) {
      expect(r.AssumeRolePolicyDocument).toMatchObject({
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
          },
        ],
      });
      const tags = Object.fromEntries(r.Tags.map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({
        'gitops.dev/cluster': 'research',
        'gitops.dev/managed-by': 'gitops',
        team: 'research',
      });
    }
    const ebs = roleOf('ebs-csi-controller-sa');
    expect(ebs.AttachedPolicyArns).toEqual([EBS]);
    expect(ebs.InlinePolicies).toEqual({});
    const lbc = roleOf('aws-load-balancer-controller');
    expect(lbc.AttachedPolicyArns).toEqual([]);
    const declared = identities.find((i) => i.serviceAccount === 'aws-load-balancer-controller')!;
    expect(lbc.InlinePolicies).toEqual({
      'aws-load-balancer-controller': JSON.parse(declared.inlinePolicies[0]!.document),
    });
  });

  it('gives each service account its role: the emulator reports what the pods receive', async () => {
    const cluster = emu.state().eks.clusters[0]!;
    const owned = cluster.podIdentityAssociations.map((a) => [
      `${a['namespace']}/${a['serviceAccount']}`,
      a['ownerArn'] ?? null,
    ]);
    expect(owned.sort()).toEqual([
      ['flux-system/image-reflector-controller', null],
      ['kube-system/aws-load-balancer-controller', null],
      ['kube-system/cluster-autoscaler', null],
      ['kube-system/ebs-csi-controller-sa', expect.stringContaining(':addon/research/aws-ebs-csi-driver/')],
      ['mlflow/mlflow', null],
      ['models/sample-model', null],
    ]);
    for (const sa of ['aws-load-balancer-controller', 'cluster-autoscaler', 'ebs-csi-controller-sa']) {
      const res = await fetch(
        `${emu.url}/_emulator/pod-identity?cluster=research&namespace=kube-system&serviceAccount=${sa}`,
      );
      const report = (await res.json()) as { agent: string; roleArn: string; receivesCredentials: boolean };
      expect(report).toMatchObject({
        agent: 'eks-pod-identity-agent',
        roleArn: roleOf(sa).Arn,
        receivesCredentials: true,
      });
    }
    // The sample model's pods (canary and primary share the account) get the read-only role.
    const model = await fetch(
      `${emu.url}/_emulator/pod-identity?cluster=research&namespace=models&serviceAccount=sample-model`,
    );
    const reader = emu.state().iam.roles.find((r) => r.RoleName === 'gitops-research-models-sample-model');
    expect(reader).toBeDefined();
    expect(await model.json()).toMatchObject({ roleArn: reader!.Arn, receivesCredentials: true });
    expect(cluster.tags['gitops.dev/identities']).toMatch(/^6:[0-9a-f]{16}$/);
    const st = await status();
    expect(st.problems).toEqual([]);
    expect(st.identities.map((i) => [i.serviceAccount, i.association, i.policiesInSync, i.problems])).toEqual(
      [
        ['flux-system/image-reflector-controller', true, true, []],
        ['kube-system/aws-load-balancer-controller', true, true, []],
        ['kube-system/cluster-autoscaler', true, true, []],
        ['kube-system/ebs-csi-controller-sa', true, true, []],
        ['mlflow/mlflow', true, true, []],
        ['models/sample-model', true, true, []],
      ],
    );
  });

  it('a re-run finds everything in place: every step unchanged, no mutating call', async () => {
    emu.clearCalls();
    const report = expectOk(await run('again', steps()));
    expect(report.steps.filter((s) => s.result !== 'unchanged').map((s) => s.id)).toEqual([]);
    expect(
      emu
        .calls()
        .filter((c) => MUTATING.test(c.operation))
        .map((c) => c.operation),
    ).toEqual([]);
  });

  it('drift made by hand is reported by status, shown by a dry run and corrected by the next run', async () => {
    const iam = new IAMClient(clientConfig(emu));
    const eks = new EKSClient(clientConfig(emu));
    const ebsRole = roleOf('ebs-csi-controller-sa').RoleName;
    const lbcRole = roleOf('aws-load-balancer-controller').RoleName;
    const casRole = roleOf('cluster-autoscaler').RoleName;
    await iam.send(new DetachRolePolicyCommand({ RoleName: ebsRole, PolicyArn: EBS }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: lbcRole, PolicyArn: S3_READ }));
    const extra = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }],
    };
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: casRole,
        PolicyName: 'by-hand',
        PolicyDocument: JSON.stringify(extra),
      }),
    );
    const cas = emu
      .state()
      .eks.clusters[0]!.podIdentityAssociations.find((a) => a['serviceAccount'] === 'cluster-autoscaler')!;
    await eks.send(
      new DeletePodIdentityAssociationCommand({
        clusterName: 'research',
        associationId: String(cas['associationId']),
      }),
    );

    const st = await status();
    expect(st.identities.map((i) => [i.serviceAccount, i.association, i.policiesInSync])).toEqual([
      ['flux-system/image-reflector-controller', true, true],
      ['kube-system/aws-load-balancer-controller', true, false],
      ['kube-system/cluster-autoscaler', false, false],
      ['kube-system/ebs-csi-controller-sa', true, false],
      ['mlflow/mlflow', true, true],
      ['models/sample-model', true, true],
    ]);
    expect(st.identities.flatMap((i) => i.problems)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/kube-system\/cluster-autoscaler: no Pod Identity association/),
        expect.stringMatching(
          /aws-load-balancer-controller.*other policies than declared \(now: AmazonS3ReadOnlyAccess, aws-load-balancer-controller \(inline\)\)/,
        ),
      ]),
    );

    const preview = expectOk(await dryRun());
    const summary = (id: string) => preview.steps.find((s) => s.id === id)?.summary;
    expect(summary('aws:identity:kube-system/ebs-csi-controller-sa')).toBe('attach AmazonEBSCSIDriverPolicy');
    expect(summary('aws:identity:kube-system/aws-load-balancer-controller')).toBe(
      'detach AmazonS3ReadOnlyAccess',
    );
    expect(summary('aws:identity:kube-system/cluster-autoscaler')).toBe('delete inline policy by-hand');
    expect(summary('aws:pod-identity:kube-system/cluster-autoscaler')).toMatch(
      /^associate kube-system\/cluster-autoscaler/,
    );

    expectOk(await run('converge', steps()));
    expect(roleOf('ebs-csi-controller-sa').AttachedPolicyArns).toEqual([EBS]);
    expect(roleOf('aws-load-balancer-controller').AttachedPolicyArns).toEqual([]);
    expect(Object.keys(roleOf('cluster-autoscaler').InlinePolicies)).toEqual(['cluster-autoscaler']);
    const after = await status();
    expect([...after.problems, ...after.identities.flatMap((i) => i.problems)]).toEqual([]);
    iam.destroy();
    eks.destroy();
  });

  it('an identity dropped from the profile goes: its association and its role', async () => {
    const fewer = identities.filter((i) => i.serviceAccount !== 'cluster-autoscaler');
    const report = expectOk(await run('fewer', provisionSteps(spec, aws, fewer)));
    expect(report.steps.find((s) => s.id === 'aws:identities')?.summary).toBe(
      'remove identity kube-system/cluster-autoscaler (role gitops-research-kube-system-cluster-autoscaler); record 5 identities on the cluster',
    );
    expect(emu.state().iam.roles.map((r) => r.RoleName)).not.toContain(
      'gitops-research-kube-system-cluster-autoscaler',
    );
    const st = await status();
    expect(st.identities.map((i) => i.serviceAccount)).toEqual([
      'flux-system/image-reflector-controller',
      'kube-system/aws-load-balancer-controller',
      'kube-system/ebs-csi-controller-sa',
      'mlflow/mlflow',
      'models/sample-model',
    ]);
    expect(st.problems).toEqual([]);
  });

  it('teardown leaves no identity role and no association', async () => {
    expectOk(await teardown('research', aws));
    const state = emu.state();
    expect(state.iam.roles.filter((r) => r.Path.startsWith('/gitops/'))).toEqual([]);
    expect(state.iam.roles.filter((r) => r.Tags.some((t) => t.Key === 'gitops.dev/cluster'))).toEqual([]);
    expect(state.eks.clusters).toEqual([]);
  });
});
