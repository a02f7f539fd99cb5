// `gitops kubeconfig`: the merged file loads in @kubernetes/client-node, keeps what was there
// (entries and comments), is written atomically with mode 0600, and merging twice changes nothing.
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterOutput } from '../../src/integrations/aws/cluster.js';
import {
  defaultKubeconfigPath,
  type KubeconfigCluster,
  mergeKubeconfig,
} from '../../src/integrations/aws/kubeconfig.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, createEksPrerequisites } from '../support/aws-emulator/testing.js';
import { clientsFor, startEmulator } from './fixtures.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

const EXISTING = `# my clusters, hand-written
apiVersion: v1
kind: Config
clusters:
  - name: dev
    cluster:
      server: https://dev.example.com:6443
      insecure-skip-tls-verify: true
users:
  - name: dev
    user:
      token: dev-token
contexts:
  - name: dev
    context:
      cluster: dev
      user: dev
      namespace: team-a # the team's namespace
current-context: dev
preferences: {}
`;

describe('kubeconfig merge', () => {
  let emu: RunningEmulator;
  let dir: string;
  let research: KubeconfigCluster;

  beforeAll(async () => {
    emu = await startEmulator({ kubeApiserver: { endpoint: 'https://127.0.0.1:6443', caData: CA } });
    const prereq = await createEksPrerequisites(emu, 'kc');
    await new EKSClient(clientConfig(emu)).send(
      new CreateClusterCommand({
        name: 'research',
        roleArn: prereq.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: prereq.subnetIds },
      }),
    );
    await new Promise((r) => setTimeout(r, 700)); // ACTIVE: the endpoint and CA are set
    const described = await clientsFor(emu).eks.describeCluster('research');
    const out = clusterOutput(described!);
    research = { ...out, region: emu.region };
    dir = await mkdtemp(join(tmpdir(), 'gitops-kubeconfig-'));
  });
  afterAll(() => emu.stop());

  it('merges into an existing file without losing its context, and loads in the Kubernetes client', async () => {
    const path = join(dir, 'config');
    await writeFile(path, EXISTING, { mode: 0o644 });
    const result = await mergeKubeconfig(research, { path });
    expect(result).toEqual({ path, contextName: 'research.us-west-2' });

    const kc = new KubeConfig();
    kc.loadFromFile(path);
    expect(kc.getContexts().map((c) => c.name)).toEqual(['dev', 'research.us-west-2']);
    expect(kc.getContextObject('dev')).toMatchObject({ cluster: 'dev', user: 'dev', namespace: 'team-a' });
    expect(kc.getUser('dev')?.token).toBe('dev-token');
    expect(kc.getCurrentContext()).toBe('research.us-west-2');
    expect(kc.getCurrentCluster()).toMatchObject({
      name: research.arn,
      server: 'https://127.0.0.1:6443',
      caData: CA,
    });
    expect(kc.getCurrentUser()?.exec).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'gitops',
      args: ['token', '--cluster', 'research', '--region', 'us-west-2'],
    });

    const text = await readFile(path, 'utf8');
    expect(text).toContain('# my clusters, hand-written');
    expect(text).toContain('# the team');
    expect(text).not.toMatch(/k8s-aws-v1/); // no token is stored: kubectl asks `gitops token`
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('is idempotent', async () => {
    const path = join(dir, 'config');
    const before = await readFile(path, 'utf8');
    await mergeKubeconfig(research, { path });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('creates the file (and its folder) when missing; can leave the current context alone', async () => {
    const path = join(dir, 'new', 'nested', 'config');
    await mergeKubeconfig(research, {
      path,
      contextName: 'lab',
      setCurrentContext: false,
      profile: 'ml-admin',
    });
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    expect(kc.getContexts().map((c) => c.name)).toEqual(['lab']);
    expect(kc.getUser(research.arn)?.exec).toMatchObject({
      env: [{ name: 'AWS_PROFILE', value: 'ml-admin' }],
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('defaults to the first $KUBECONFIG path, then ~/.kube/config', () => {
    expect(defaultKubeconfigPath({ KUBECONFIG: '/a/one:/b/two' })).toBe('/a/one');
    expect(defaultKubeconfigPath({ HOME: '/home/x' })).toMatch(/\.kube\/config$/);
  });

  it('refuses a file that is not a kubeconfig and leaves it untouched', async () => {
    const path = join(dir, 'broken');
    await writeFile(path, 'clusters: [unclosed\n');
    const err = await mergeKubeconfig(research, { path }).catch((e: unknown) => e);
    expect(isGitopsError(err) && err.code).toBe('GITOPS_BAD_CONFIG');
    expect(isGitopsError(err) && err.exitCode).toBe(2);
    expect(await readFile(path, 'utf8')).toBe('clusters: [unclosed\n');
  });
});
