// The bundled profiles' workload identities through the built CLI, in the sandbox: after a
// bootstrap of ml and of mobile, EKS lists an association for every declared identity, each role's
// trust and policies are what the profile declared, the controllers' cluster-values ConfigMap
// holds the VPC gitops created, status reports every identity, a re-run changes nothing, a
// policy detached by hand makes status exit 3 until bootstrap puts it back, and destroy leaves no
// role and no association behind. ml's artifact bucket: created tagged, encrypted and private, named
// in MLflow's role and manifests alone, kept by destroy --keep-data and removed by destroy.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks';
import { DetachRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import { builtinsFor, resolveParameters } from '../../src/integrations/profiles/parameters.js';
import { clusterBucketName } from '../../src/spec/bucket.js';
import type { WorkloadIdentity } from '../../src/spec/identity.js';
import type { EmulatorState } from '../support/aws-emulator/index.js';
import {
  admin,
  bootstrapArgs,
  commitCount,
  createFleetRepo,
  emulator,
  gitops,
  mutatingCallsSince,
  sandbox,
} from './helpers.js';

const ZONE = 'Z08021313MOBILEZONE';

function eksClient(): EKSClient {
  const env = sandbox().env;
  return new EKSClient({
    endpoint: env['AWS_ENDPOINT_URL'],
    region: env['AWS_REGION'] ?? 'us-west-2',
    credentials: {
      accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? '',
      secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? '',
    },
  });
}

async function declared(profile: string, cluster: string, account: string, values: Record<string, string>) {
  const resolved = await resolveProfile(profile, { env: process.env });
  const params = resolveParameters(
    resolved.profile,
    values,
    builtinsFor(cluster, sandbox().env['AWS_REGION'] ?? 'us-west-2', account),
  );
  const addons = resolved.profile.addons.map((a) => a.name);
  return resolveIdentities({
    layers: resolved.profiles,
    spec: undefined,
    specSource: 'test',
    params,
    addons,
  });
}

/** Bootstrap, check every identity in AWS and in status, re-run, destroy. */
async function lifeCycle(
  cluster: string,
  profile: string,
  values: Record<string, string>,
  extra: string[] = [],
  drift = false,
  buckets = false,
) {
  const fleet = await createFleetRepo(cluster);
  const boot = await gitops(['-o', 'json', ...bootstrapArgs(cluster, profile, fleet.url, extra)]);
  expect(boot.code, boot.stderr.slice(-3000)).toBe(0);

  const state = await emulator<EmulatorState>('state');
  const account = state.eks.clusters.find((c) => c.name === cluster)!.arn.split(':')[4]!;
  const identities = await declared(profile, cluster, account, values);
  await expectAssociations(cluster, identities, state);
  expectRoles(cluster, identities, state);
  await expectClusterValues(cluster, state);
  const bucket = buckets ? await expectBucket(cluster, account, identities, state) : undefined;

  const status = await gitops(['-o', 'json', 'status', '--cluster', cluster]);
  expect(status.code, status.stdout).toBe(0);
  const doc = JSON.parse(status.stdout) as {
    identities: { serviceAccount: string; association: boolean; policiesInSync: boolean }[];
  };
  expect(doc.identities.map((i) => [i.serviceAccount, i.association, i.policiesInSync])).toEqual(
    identities.map((i) => [`${i.namespace}/${i.serviceAccount}`, true, true]),
  );

  const commits = await commitCount(fleet.dir);
  const before = Date.now();
  const again = await gitops(['-o', 'json', ...bootstrapArgs(cluster, profile, fleet.url, extra)]);
  expect(again.code, again.stderr.slice(-2000)).toBe(0);
  const redo = JSON.parse(again.stdout) as { steps: { id: string; result: string }[] };
  expect(redo.steps.filter((s) => s.result !== 'unchanged')).toEqual([]);
  expect(await mutatingCallsSince(before)).toEqual([]);
  expect(await commitCount(fleet.dir)).toBe(commits);
  if (drift) await driftIsReportedAndCorrected(cluster, profile, fleet.url, identities, extra);

  if (bucket) {
    // --keep-data: the cluster goes, the bucket and its tags stay, and the output says so.
    const kept = await gitops(['destroy', '--cluster', cluster, '--yes', '--keep-data']);
    expect(kept.code, kept.stderr.slice(-2000)).toBe(0);
    expect(kept.stdout).toContain(`kept S3 buckets (--keep-data): ${bucket}`);
    const left = await emulator<EmulatorState>('state');
    expect(left.eks.clusters.filter((c) => c.name === cluster)).toEqual([]);
    expect(left.s3.buckets.map((b) => b.Name)).toContain(bucket);
  }
  const gone = await gitops(['-o', 'json', 'destroy', '--cluster', cluster, '--yes']);
  expect(gone.code, gone.stderr.slice(-2000)).toBe(0);
  const after = await emulator<EmulatorState>('state');
  expect(after.iam.roles.filter((r) => r.Path === `/gitops/${cluster}/`)).toEqual([]);
  expect(
    after.iam.roles.filter((r) => r.Tags.some((t) => t.Key === 'gitops.dev/cluster' && t.Value === cluster)),
  ).toEqual([]);
  expect(after.eks.clusters.filter((c) => c.name === cluster)).toEqual([]);
  // No bucket of the cluster is left (found by the tag, as destroy finds them).
  expect(
    after.s3.buckets.filter((b) =>
      (b.Tags ?? []).some((t) => t.Key === 'gitops.dev/cluster' && t.Value === cluster),
    ),
  ).toEqual([]);
  if (bucket) expect(after.s3.buckets.map((b) => b.Name)).not.toContain(bucket);
  return identities;
}

/**
 * ml's artifact bucket: created for this cluster (tagged, SSE-S3, public access blocked, versioned),
 * its name in the values the layers substitute from, MLflow pointed at it, and MLflow's role allowed
 * into that bucket only. Returns its name.
 */
async function expectBucket(
  cluster: string,
  account: string,
  identities: WorkloadIdentity[],
  state: EmulatorState,
): Promise<string> {
  const name = clusterBucketName(
    account,
    sandbox().env['AWS_REGION'] ?? 'us-west-2',
    cluster,
    'mlflow-artifacts',
  );
  const b = state.s3.buckets.find((x) => x.Name === name);
  expect(b, `bucket ${name}`).toBeDefined();
  expect(Object.fromEntries((b!.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({
    'gitops.dev/cluster': cluster,
    'gitops.dev/managed-by': 'gitops',
    'gitops.dev/bucket': 'mlflow-artifacts',
  });
  expect(b!.Encryption.algorithm).toBe('AES256');
  expect(Object.values(b!.PublicAccessBlock ?? {})).toEqual([true, true, true, true]);
  expect(b!.Versioning).toBe('Enabled');
  // Only this cluster's bucket, and only object reads and writes in it.
  const mlflow = identities.find((i) => i.namespace === 'mlflow' && i.serviceAccount === 'mlflow');
  const role = state.iam.roles.find((r) => r.RoleName === `gitops-${cluster}-mlflow-mlflow`);
  expect(role?.InlinePolicies).toEqual(
    Object.fromEntries((mlflow?.inlinePolicies ?? []).map((p) => [p.name, JSON.parse(p.document)])),
  );
  expect(role, `role gitops-${cluster}-mlflow-mlflow`).toBeDefined();
  const statements = (
    role!.InlinePolicies['mlflow'] as { Statement: { Action: unknown; Resource: unknown }[] }
  ).Statement;
  const resources = statements.flatMap((st) => [st.Resource].flat());
  expect(new Set(resources)).toEqual(new Set([`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`]));
  const actions = statements.flatMap((st) => [st.Action].flat()).sort();
  expect(actions).toEqual(
    ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject'].sort(),
  );
  // The sample model reads models from the same bucket: listing it and getting objects, no more.
  const reader = state.iam.roles.find((r) => r.RoleName === `gitops-${cluster}-models-sample-model`);
  expect(reader, `role gitops-${cluster}-models-sample-model`).toBeDefined();
  const grants = Object.values(reader!.InlinePolicies).flatMap((doc) =>
    (doc as { Statement: { Action: unknown; Resource: unknown }[] }).Statement.flatMap((st) =>
      [st.Action].flat().flatMap((a) => [st.Resource].flat().map((r) => `${String(a)} ${String(r)}`)),
    ),
  );
  expect(grants.sort()).toEqual([
    `s3:GetObject arn:aws:s3:::${name}/*`,
    `s3:ListBucket arn:aws:s3:::${name}`,
  ]);
  // The layers substitute the name from the cluster's values; MLflow stores artifacts there.
  const kube = await admin();
  try {
    const values = (await kube.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'gitops-values',
      namespace: 'flux-system',
    })) as { data?: Record<string, string> };
    expect(values?.data?.['mlflowArtifactsBucket']).toBe(name);
    const deployment = (await kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'mlflow',
      namespace: 'mlflow',
    })) as {
      spec?: { template?: { spec?: { serviceAccountName?: string; containers?: { command?: string[] }[] } } };
    };
    const pod = deployment?.spec?.template?.spec;
    expect(pod?.serviceAccountName).toBe('mlflow');
    expect(pod?.containers?.[0]?.command).toContain(`--artifacts-destination=s3://${name}/`);
    const model = (await kube.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'sample-model',
      namespace: 'models',
    })) as { spec?: { template?: { spec?: { serviceAccountName?: string } } } };
    expect(model?.spec?.template?.spec?.serviceAccountName).toBe('sample-model');
    expect(
      await kube.get({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'sample-model', namespace: 'models' }),
    ).toBeTruthy();
  } finally {
    kube.close();
  }
  // status shows it, as wanted.
  const status = await gitops(['-o', 'json', 'status', '--cluster', cluster]);
  const doc = JSON.parse(status.stdout) as { buckets: unknown[] };
  expect(doc.buckets).toEqual([
    {
      name,
      logical: 'mlflow-artifacts',
      encrypted: true,
      publicAccessBlocked: true,
      versioned: true,
    },
  ]);
  return name;
}

/** A policy detached by hand: status says so (exit 3, text and JSON); bootstrap puts it back. */
async function driftIsReportedAndCorrected(
  cluster: string,
  profile: string,
  fleetUrl: string,
  identities: WorkloadIdentity[],
  extra: string[],
) {
  const ebs = identities.find((i) => i.addon === 'aws-ebs-csi-driver')!;
  const role = `gitops-${cluster}-${ebs.namespace}-${ebs.serviceAccount}`;
  const env = sandbox().env;
  const iam = new IAMClient({
    endpoint: env['AWS_ENDPOINT_URL'],
    region: 'us-east-1',
    credentials: {
      accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? '',
      secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? '',
    },
  });
  await iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: ebs.managedPolicyArns[0] }));
  iam.destroy();
  const json = await gitops(['-o', 'json', 'status', '--cluster', cluster]);
  expect(json.code).toBe(3);
  const doc = JSON.parse(json.stdout) as {
    problems: string[];
    identities: { serviceAccount: string; policiesInSync: boolean }[];
  };
  expect(
    doc.identities.find((i) => i.serviceAccount === 'kube-system/ebs-csi-controller-sa')?.policiesInSync,
  ).toBe(false);
  expect(doc.problems).toContainEqual(
    expect.stringMatching(
      /identity kube-system\/ebs-csi-controller-sa: role .* holds other policies than declared \(now none\)/,
    ),
  );
  const text = await gitops(['status', '--cluster', cluster]);
  expect(text.code).toBe(3);
  expect(text.stdout).toMatch(
    /kube-system\/ebs-csi-controller-sa\s+\S+\s+present \(add-on aws-ebs-csi-driver\)\s+drifted/,
  );
  const fix = await gitops(['-o', 'json', ...bootstrapArgs(cluster, profile, fleetUrl, extra)]);
  expect(fix.code, fix.stderr.slice(-2000)).toBe(0);
  const fixed = JSON.parse(fix.stdout) as { steps: { id: string; result: string; summary?: string }[] };
  expect(fixed.steps.filter((s) => s.result !== 'unchanged').map((s) => [s.id, s.summary])).toEqual([
    [`aws:identity:${ebs.namespace}/${ebs.serviceAccount}`, 'attach AmazonEBSCSIDriverPolicy'],
  ]);
  expect((await gitops(['status', '--cluster', cluster])).code).toBe(0);
}

/** ListPodIdentityAssociations shows each declared service account with its own role. */
async function expectAssociations(cluster: string, identities: WorkloadIdentity[], state: EmulatorState) {
  const eks = eksClient();
  try {
    const list = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: cluster }));
    const found = await Promise.all(
      (list.associations ?? []).map(async (a) => {
        const d = await eks.send(
          new DescribePodIdentityAssociationCommand({ clusterName: cluster, associationId: a.associationId }),
        );
        return [
          `${a.namespace}/${a.serviceAccount}`,
          d.association?.roleArn?.split('/').pop(),
          a.ownerArn !== undefined,
        ];
      }),
    );
    expect(found.sort()).toEqual(
      identities.map((i) => [
        `${i.namespace}/${i.serviceAccount}`,
        `gitops-${cluster}-${i.namespace}-${i.serviceAccount}`,
        i.addon !== undefined,
      ]),
    );
  } finally {
    eks.destroy();
  }
  expect(state.eks.clusters.find((c) => c.name === cluster)!.addons.map((a) => a.addonName)).toContain(
    'eks-pod-identity-agent',
  );
}

/** Each role: trusted by EKS Pod Identity alone, holding exactly the declared policies. */
function expectRoles(cluster: string, identities: WorkloadIdentity[], state: EmulatorState) {
  for (const i of identities) {
    const role = state.iam.roles.find(
      (r) => r.RoleName === `gitops-${cluster}-${i.namespace}-${i.serviceAccount}`,
    );
    expect(role, `${i.serviceAccount}: no role`).toBeDefined();
    expect(role!.Path).toBe(`/gitops/${cluster}/`);
    expect(role!.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        },
      ],
    });
    expect([...role!.AttachedPolicyArns].sort()).toEqual(i.managedPolicyArns);
    expect(role!.InlinePolicies).toEqual(
      Object.fromEntries(i.inlinePolicies.map((p) => [p.name, JSON.parse(p.document)])),
    );
  }
}

/** The controllers' values came from the provisioning outputs: the VPC gitops created. */
async function expectClusterValues(cluster: string, state: EmulatorState) {
  const vpc = state.ec2.vpcs.find((v) =>
    (v.tags as { Key: string; Value: string }[]).some(
      (t) => t.Key === 'gitops.dev/cluster' && t.Value === cluster,
    ),
  );
  const kube = await admin();
  try {
    const cm = (await kube.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'cluster-values',
      namespace: 'flux-system',
    })) as {
      data?: Record<string, string>;
    };
    expect(cm?.data).toMatchObject({ clusterName: cluster, vpcId: vpc?.id, partition: 'aws' });
  } finally {
    kube.close();
  }
}

describe('workload identities of the bundled profiles, through the CLI', () => {
  it("ml: the load balancer controller, cluster-autoscaler, the EBS CSI driver (through its add-on), Flux's image reflector, MLflow (its bucket only) and the sample model (reading that bucket only)", async () => {
    const identities = await lifeCycle('e2e-ident-ml', 'ml', {}, [], true, true);
    expect(identities.map((i) => `${i.namespace}/${i.serviceAccount}`)).toEqual([
      'flux-system/image-reflector-controller',
      'kube-system/aws-load-balancer-controller',
      'kube-system/cluster-autoscaler',
      'kube-system/ebs-csi-controller-sa',
      'mlflow/mlflow',
      'models/sample-model',
    ]);
  });

  it('a bad policy in gitops.yaml stops bootstrap before any change, naming the file and path (exit 2)', async () => {
    const fleet = await createFleetRepo('e2e-ident-bad');
    const config = join(sandbox().gitRoot, 'e2e-ident-bad.gitops.yaml');
    writeFileSync(
      config,
      [
        'profile: { source: ml }',
        'identities:',
        '  - serviceAccount: reports/exporter',
        '    inlinePolicies:',
        '      - name: write-exports',
        '        document:',
        '          Version: "2012-10-17"',
        '          Statement: [{ Effect: Allow, Action: PutObject, Resource: "*" }]',
        '',
      ].join('\n'),
    );
    const before = Date.now();
    const run = await gitops([
      '-o',
      'json',
      ...bootstrapArgs('e2e-ident-bad', 'ml', fleet.url, ['--config', config]),
    ]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.message).toBe(
      `${config}: identities[0].inlinePolicies[0].document: Statement[0].Action: "PutObject" is not an action ("service:Operation")`,
    );
    expect(await mutatingCallsSince(before)).toEqual([]);
    expect(await commitCount(fleet.dir)).toBe(0);
  });

  it('mobile: external-dns too, limited to the hosted zone given as a parameter', async () => {
    const config = join(sandbox().gitRoot, 'e2e-ident-mobile.gitops.yaml');
    writeFileSync(config, `profile:\n  source: mobile\n  parameters:\n    hostedZoneId: ${ZONE}\n`);
    const identities = await lifeCycle('e2e-ident-mobile', 'mobile', { hostedZoneId: ZONE }, [
      '--config',
      config,
    ]);
    const dns = identities.find((i) => i.serviceAccount === 'external-dns')!;
    expect(dns.inlinePolicies[0]!.document).toContain(`arn:aws:route53:::hostedzone/${ZONE}`);
  });
});
