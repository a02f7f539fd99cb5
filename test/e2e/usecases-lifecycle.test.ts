/**
 * The use cases in this process, against one tiny cluster that the tests share and take through
 * its life in order: bootstrap (with AWS_PROFILE set) -> status -> a manual change -> diff ->
 * destroys that must stop before deleting anything -> the destroy that removes it all.
 * Each case says what the code before the use-case refactor (90cebaf) did instead.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { CreateAccessEntryCommand, EKSClient } from '@aws-sdk/client-eks';
import { AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeClient } from '../../src/integrations/kube/client.js';
import { clientsFor } from '../../src/usecases/clients.js';
import { diffCluster } from '../../src/usecases/diff.js';
import { addClusterToKubeconfig } from '../../src/usecases/kubeconfig.js';
import { clusterStatus } from '../../src/usecases/status.js';
import { admin, createFleetRepo, sandbox, taggedFor } from './helpers.js';
import {
  addIdentity,
  awsCallsSince,
  bootstrapInProcess,
  destroyInProcess,
  eventCodes,
  type InProcessBootstrap,
  REGION,
  results,
  sandboxEnv,
  scratchDir,
  tinySpecFile,
} from './usecases.js';

const CLUSTER = 'uc-life';
const NAMESPACE = `tiny-${CLUSTER}`;

let dir = '';
let fleet = { url: '', dir: '' };
let env: NodeJS.ProcessEnv = {};
let profileEnv: NodeJS.ProcessEnv = {};
let boot: InProcessBootstrap;
let kube: KubeClient;
/** What AWS holds for the cluster once bootstrapped; a destroy that stops must leave all of it. */
let provisioned: Record<string, number> = {};

interface KubeconfigFile {
  users: {
    name: string;
    user: { exec?: { command: string; args: string[]; env?: { name: string; value: string }[] } };
  }[];
  contexts: { name: string; context: { user: string } }[];
}

/** The exec user the kubeconfig's context for the cluster runs. */
async function execUserOf(path: string, context: string) {
  const file = parse(await readFile(path, 'utf8')) as KubeconfigFile;
  const user = file.contexts.find((c) => c.name === context)?.context.user;
  return file.users.find((u) => u.name === user)?.user.exec;
}

describe('the use cases in-process, one tiny cluster from bootstrap to destroy', () => {
  beforeAll(async () => {
    dir = scratchDir('life');
    fleet = await createFleetRepo(CLUSTER);
    // The SDK in this repository (credential-provider-node 3.972) takes AWS_PROFILE over a key
    // pair set beside it ("will proceed with the AWS_PROFILE value"), so the profile must exist:
    // a credentials file of this test names it, with the sandbox's default identity. The pair
    // beside it is one AWS does not know, so the bootstrap works only if the profile signs.
    const credentials = join(dir, 'aws-credentials');
    writeFileSync(
      credentials,
      `[team]\naws_access_key_id = ${sandbox().env['AWS_ACCESS_KEY_ID']}\naws_secret_access_key = ${sandbox().env['AWS_SECRET_ACCESS_KEY']}\n`,
      { mode: 0o600 },
    );
    env = sandboxEnv(dir);
    profileEnv = sandboxEnv(dir, {
      AWS_PROFILE: 'team',
      AWS_ACCESS_KEY_ID: 'AKIAUCUNKNOWNKEYPAIR',
      AWS_SECRET_ACCESS_KEY: 'a-key-pair-the-emulator-does-not-know-0000',
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    });
    boot = await bootstrapInProcess({
      cluster: CLUSTER,
      fleetUrl: fleet.url,
      env: profileEnv,
      configFile: tinySpecFile(dir),
    });
    kube = await admin();
    provisioned = await taggedFor(CLUSTER);
  }, 300_000);

  afterAll(() => {
    kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bootstrap converges and says so in coded events: the plan, every step, the end', () => {
    expect(boot.result.ok, JSON.stringify(boot.result.document.error)).toBe(true);
    const codes = eventCodes(boot.sink.events);
    expect(codes[0]).toBe('GITOPS_INPUTS');
    expect(codes).toContain('GITOPS_PLAN_STARTED');
    expect(codes.at(-1)).toBe('GITOPS_PLAN_FINISHED');
    const planned = boot.sink.ofType('plan-started')[0]!.steps.map((s) => s.id);
    expect(planned).toEqual(
      expect.arrayContaining(['aws:cluster', 'fleet:publish', 'kubeconfig:write', 'workloads:ready']),
    );
    // Every planned step started and finished, and nothing failed.
    for (const id of planned) {
      expect(codes).toContain(`GITOPS_STEP_STARTED ${id}`);
      expect(codes).toContain(`GITOPS_STEP_FINISHED ${id}`);
    }
    expect(Object.values(results(boot.result.report))).not.toContain('failed');
    expect(provisioned).toMatchObject({ clusters: 1, nodegroups: 1, vpcs: 1, ecr: 1 });
  });

  // Old code: bootstrap's kubeconfig step merged the entry without the profile, so the context it
  // printed ran `gitops token` with the default credentials while `gitops kubeconfig` wrote
  // AWS_PROFILE into the same entry.
  it("bootstrap's kubeconfig runs gitops token with AWS_PROFILE, exactly as gitops kubeconfig writes it", async () => {
    const written = boot.result.document.kubeconfig;
    expect(written).toEqual({ path: join(dir, 'kubeconfig'), context: `${CLUSTER}.${REGION}` });
    const fromBootstrap = await execUserOf(written!.path, written!.context);
    expect(fromBootstrap?.env).toEqual([{ name: 'AWS_PROFILE', value: 'team' }]);

    const other = join(dir, 'kubeconfig-from-command');
    const doc = await addClusterToKubeconfig(clientsFor(REGION, profileEnv).aws, CLUSTER, {
      env: profileEnv,
      path: other,
    });
    expect(await execUserOf(other, doc.context)).toEqual(fromBootstrap);
  });

  it('status: ACTIVE, Flux ready, in sync with the fleet head', async () => {
    const doc = await clusterStatus({ clients: clientsFor(REGION, env), cluster: CLUSTER });
    expect(doc.problems).toEqual([]);
    expect(doc).toMatchObject({
      ready: true,
      known: true,
      cluster: { status: 'ACTIVE', nodeGroups: [{ name: 'main', status: 'ACTIVE' }] },
      reconciler: { installed: true, ready: true },
      sync: { inSync: true, url: fleet.url, branch: 'main', path: `clusters/${CLUSTER}` },
    });
    const head = (await simpleGit(fleet.dir).revparse(['main'])).trim();
    expect(doc.sync.headRevision).toBe(head);
  });

  it('diff: a manual change of a synced object is drift that names the field', async () => {
    const clients = clientsFor(REGION, env);
    expect((await diffCluster(clients, CLUSTER, {})).drift).toEqual([]);
    const web = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: NAMESPACE };
    await kube.applyRaw(
      await kube.discovery.resolve(web.apiVersion, web.kind),
      {
        apiVersion: web.apiVersion,
        kind: web.kind,
        metadata: { name: web.name, namespace: web.namespace },
        spec: { replicas: 3 },
      },
      { fieldManager: 'kubectl-edit', force: true },
    );
    const doc = await diffCluster(clients, CLUSTER, {});
    expect(doc.inSync).toBe(false);
    expect(doc.drift).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'web',
        state: 'differs',
        fields: ['spec.replicas'],
      }),
    ]);
    expect(doc.fleet).toMatchObject({ url: fleet.url, path: `clusters/${CLUSTER}` });
  });

  // Old code: every read in destroy's cluster steps was `.catch(() => [])`, so an identity the
  // API refuses saw "no active Kustomizations", load balancers "none", and the AWS teardown
  // deleted the cluster and its VPC (seen with the 90cebaf CLI: exit 0).
  it('destroy as an identity the cluster API refuses stops before any AWS change', async () => {
    const outsider = await identityWithAccessEntry('uc-outsider', []);
    const started = Date.now();
    const attempt = await destroyInProcess({
      cluster: CLUSTER,
      clients: clientsFor(REGION, outsider.env),
    }).then(
      (r) => r.report.error ?? new Error('destroy succeeded'),
      (e: unknown) => e as Error,
    );
    expect(attempt.message).toMatch(/forbidden/i);
    const mine = (await awsCallsSince(started)).filter((c) => c.caller === outsider.arn);
    expect(mine.map((c) => c.operation)).toContain('DescribeCluster');
    expect(mine.filter((c) => !/^(Describe|List|Get|Head)/.test(c.operation))).toEqual([]);
    expect(await taggedFor(CLUSTER)).toEqual(provisioned);
  });

  // Old code: the load balancer step listed Services with `.catch(() => [])`: a 403 read as
  // "none to delete", and their AWS load balancers would have outlived the cluster and its VPC.
  it('destroy that cannot list Services stops at kube:load-balancers, before the AWS teardown', async () => {
    const group = 'uc-flux-operators';
    const revoke = await grantFluxOnly(group);
    const operator = await identityWithAccessEntry('uc-flux-operator', [group]);
    const { report } = await destroyInProcess({
      cluster: CLUSTER,
      clients: clientsFor(REGION, operator.env),
    }).finally(revoke);
    expect(report.ok).toBe(false);
    const byId = results(report);
    expect(byId['kube:suspend']).not.toBe('failed');
    expect(byId['kube:load-balancers']).toBe('failed');
    // The step lists Services and Ingresses at once: whichever the API refuses first is named.
    expect(report.error?.message).toMatch(/(services|ingresses).*forbidden|forbidden.*(services|ingresses)/i);
    const aws = Object.entries(byId).filter(([id]) => id.startsWith('aws:'));
    expect(aws.length).toBeGreaterThan(5);
    expect(aws.every(([, r]) => r === 'skipped')).toBe(true);
    expect(byId['fleet:remove']).toBe('skipped');
    expect(await taggedFor(CLUSTER)).toEqual(provisioned);
  });

  // Old code (and this code until 9891f1f): the wait was meant to break off at the deadline, but
  // the plan's deadline aborts the step's sleep first, so the step failed with the runner's bare
  // "the deadline passed" (seen with the 90cebaf CLI), naming nothing. It must name what is left.
  it('a LoadBalancer Service whose finalizer never goes fails destroy at the deadline, naming it', async () => {
    const edge = { apiVersion: 'v1', kind: 'Service', name: 'edge', namespace: NAMESPACE };
    const info = await kube.discovery.resolve('v1', 'Service');
    const service = (finalizers: string[]) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: edge.name, namespace: edge.namespace, finalizers },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] },
    });
    // The finalizer the cloud controller would remove once the load balancer is gone; none runs here.
    await kube.applyRaw(info, service(['service.kubernetes.io/load-balancer-cleanup']), {
      fieldManager: 'uc-test',
    });
    try {
      const { report } = await destroyInProcess({
        cluster: CLUSTER,
        clients: clientsFor(REGION, env),
        timeoutMs: 6_000,
      });
      expect(report.ok).toBe(false);
      const step = report.steps.find((s) => s.id === 'kube:load-balancers')!;
      expect(step.result).toBe('failed');
      expect(step.error?.code).toBe('GITOPS_TIMEOUT');
      expect(step.error?.message).toContain(`Service ${NAMESPACE}/edge`);
      expect(report.steps.filter((s) => s.id.startsWith('aws:')).every((s) => s.result === 'skipped')).toBe(
        true,
      );
      expect(await taggedFor(CLUSTER)).toEqual(provisioned);
    } finally {
      // Dropping our field manager's finalizer lets the deleted Service go.
      await kube.applyRaw(info, service([]), { fieldManager: 'uc-test' });
    }
  });

  it('destroy leaves nothing tagged for the cluster and removes its folder from the fleet repo', async () => {
    const { report, document, sink } = await destroyInProcess({
      cluster: CLUSTER,
      clients: clientsFor(REGION, env),
    });
    expect(report.ok, JSON.stringify(document.error)).toBe(true);
    expect(await taggedFor(CLUSTER)).toEqual({});
    expect(document.fleet).toMatchObject({ url: fleet.url, path: `clusters/${CLUSTER}`, removed: true });
    const tree = await simpleGit(fleet.dir).raw(['ls-tree', '-r', '--name-only', 'main']);
    expect(tree.split('\n').filter((p) => p.startsWith(`clusters/${CLUSTER}/`))).toEqual([]);
    // The lease is taken before the plan starts; every step event falls inside the plan's.
    const codes = eventCodes(sink.events);
    const started = codes.indexOf('GITOPS_PLAN_STARTED');
    expect(codes.slice(0, started)).toEqual(['GITOPS_LEASE_HELD']);
    expect(codes.at(-1)).toBe('GITOPS_PLAN_FINISHED');
    for (const id of ['kube:suspend', 'kube:load-balancers', 'aws:cluster', 'fleet:remove'])
      expect(codes).toContain(`GITOPS_STEP_FINISHED ${id}`);
  });
});

/**
 * Another IAM user of the account with an access entry on the cluster and no access policy: the
 * apiserver knows who it is (and its groups), RBAC decides what it may do.
 */
async function identityWithAccessEntry(name: string, groups: string[]) {
  const identity = {
    accessKeyId: `AKIAUC${name
      .replace(/[^a-z]/g, '')
      .toUpperCase()
      .padEnd(14, 'X')
      .slice(0, 14)}`,
    secretAccessKey: `${name}-secret-key-0000000000000000000000`,
    arn: `arn:aws:iam::123456789012:user/${name}`,
  };
  await addIdentity(identity);
  const eks = new EKSClient({
    endpoint: sandbox().emulatorUrl,
    region: REGION,
    credentials: {
      accessKeyId: sandbox().env['AWS_ACCESS_KEY_ID']!,
      secretAccessKey: sandbox().env['AWS_SECRET_ACCESS_KEY']!,
    },
  });
  await eks.send(
    new CreateAccessEntryCommand({
      clusterName: CLUSTER,
      principalArn: identity.arn,
      kubernetesGroups: groups,
    }),
  );
  const env = sandboxEnv(dir, {
    AWS_ACCESS_KEY_ID: identity.accessKeyId,
    AWS_SECRET_ACCESS_KEY: identity.secretAccessKey,
  });
  return { arn: identity.arn, env };
}

/**
 * RBAC for a group that may find and suspend Flux, and nothing else (no Services, no Ingresses).
 * Returns what takes it away again (the apiserver is shared by every test file).
 */
async function grantFluxOnly(group: string): Promise<() => Promise<void>> {
  const role = await kube.discovery.resolve('rbac.authorization.k8s.io/v1', 'ClusterRole');
  const binding = await kube.discovery.resolve('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding');
  await kube.applyRaw(role, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: group },
    rules: [
      { apiGroups: ['source.toolkit.fluxcd.io'], resources: ['gitrepositories'], verbs: ['get', 'list'] },
      {
        apiGroups: ['kustomize.toolkit.fluxcd.io'],
        resources: ['kustomizations'],
        verbs: ['get', 'list', 'patch'],
      },
    ],
  });
  await kube.applyRaw(binding, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: group },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: group },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  });
  // The apiserver's RBAC authorizer learns of a new binding through a watch, a moment later; on a
  // loaded machine destroy's first patch could come before it. Ask the authorizer until it allows.
  await untilAllowed(group, {
    group: 'kustomize.toolkit.fluxcd.io',
    resource: 'kustomizations',
    verb: 'patch',
  });
  return async () => {
    for (const kind of ['ClusterRoleBinding', 'ClusterRole'])
      await kube.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, name: group });
  };
}

async function untilAllowed(
  group: string,
  attributes: { group: string; resource: string; verb: string },
): Promise<void> {
  const config = new KubeConfig();
  config.loadFromFile(sandbox().adminKubeconfig);
  const authz = config.makeApiClient(AuthorizationV1Api);
  for (let i = 0; i < 100; i++) {
    const review = await authz.createSubjectAccessReview({
      body: { spec: { groups: [group], user: `probe-${group}`, resourceAttributes: attributes } },
    });
    if (review.status?.allowed) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`RBAC never allowed group ${group} to ${attributes.verb} ${attributes.resource}`);
}
