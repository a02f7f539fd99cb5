/**
 * fleet-status-all: `gitops status --all` over 50 clusters against `gitops status` of one, both as
 * CLI processes against the sandbox (the emulator and the apiserver in other processes than the
 * CLI's). Goal: <= 3. One cluster is bootstrapped for real (profile ml: node groups, add-ons,
 * identities, ECR, Flux and its layers); 49 more are made in the emulator alike (same role,
 * subnets, tags and node groups), their endpoint the same apiserver, so each status reads as
 * much as the first one's. The baseline is the status of one of those 49.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListNodegroupsCommand,
} from '@aws-sdk/client-eks';
import { gitopsBin } from '../support/cli.js';
import { startSandbox } from '../support/sandbox/sandbox.js';
import { median, type Benchmark } from './types.js';

const CLUSTERS = 50;
const SCALE = Number(process.env.BENCH_TIME_SCALE ?? '0.01');

function cli(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number; out: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [gitopsBin, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, ms: Date.now() - t0 }));
  });
}

export const benchmarks: Benchmark[] = [
  {
    name: 'fleet-status-all',
    description: `status --all over ${CLUSTERS} clusters vs status of one, CLI processes (ms)`,
    async run() {
      const dir = mkdtempSync(join(tmpdir(), 'gitops-bench-status-'));
      const sandbox = await startSandbox({ dir, timeScale: SCALE });
      try {
        const env = sandbox.env;
        const fleet = await sandbox.git.createRepo('fleet.git');
        const first = 'st-00';
        const boot = await cli(env, [
          '-o',
          'json',
          '--quiet',
          'bootstrap',
          '--profile',
          'ml',
          '--cluster',
          first,
          '--region',
          env.AWS_REGION ?? 'us-west-2',
          '--git-url',
          fleet,
          '--yes',
        ]);
        if (boot.code !== 0) throw new Error(`bootstrap exited ${boot.code}: ${boot.out.slice(0, 400)}`);
        const eks = new EKSClient({
          region: env.AWS_REGION,
          endpoint: env.AWS_ENDPOINT_URL,
          credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
        });
        const model = (await eks.send(new DescribeClusterCommand({ name: first }))).cluster!;
        const groupNames =
          (await eks.send(new ListNodegroupsCommand({ clusterName: first }))).nodegroups ?? [];
        const groups = await Promise.all(
          groupNames.map(
            async (n) =>
              (await eks.send(new DescribeNodegroupCommand({ clusterName: first, nodegroupName: n })))
                .nodegroup!,
          ),
        );
        const names = Array.from({ length: CLUSTERS - 1 }, (_, i) => `st-${String(i + 1).padStart(2, '0')}`);
        for (const name of names) {
          await eks.send(
            new CreateClusterCommand({
              name,
              roleArn: model.roleArn,
              version: model.version,
              resourcesVpcConfig: { subnetIds: model.resourcesVpcConfig?.subnetIds ?? [] },
              accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
              tags: { ...model.tags, 'gitops.dev/cluster': name },
            }),
          );
        }
        const active = async (name: string) => {
          for (;;) {
            const c = (await eks.send(new DescribeClusterCommand({ name }))).cluster!;
            if (c.status === 'ACTIVE') return;
            await new Promise((r) => setTimeout(r, 500));
          }
        };
        await Promise.all(names.map(active));
        for (const name of names) {
          for (const g of groups) {
            await eks.send(
              new CreateNodegroupCommand({
                clusterName: name,
                nodegroupName: g.nodegroupName,
                nodeRole: g.nodeRole,
                subnets: g.subnets,
                instanceTypes: g.instanceTypes,
                amiType: g.amiType,
                capacityType: g.capacityType,
                scalingConfig: g.scalingConfig,
                ...(g.taints ? { taints: g.taints } : {}),
                ...(g.labels ? { labels: g.labels } : {}),
                tags: { ...g.tags, 'gitops.dev/cluster': name },
              }),
            );
          }
        }
        eks.destroy();
        const one = [
          '-o',
          'json',
          'status',
          '--cluster',
          names[0]!,
          '--region',
          env.AWS_REGION ?? 'us-west-2',
        ];
        const all = ['-o', 'json', 'status', '--all', '--region', env.AWS_REGION ?? 'us-west-2'];
        await cli(env, one); // warm: the first start reads the bundle from disk
        const ones: number[] = [];
        const alls: number[] = [];
        let listed = 0;
        let known = 0;
        let versions = '';
        for (let i = 0; i < 3; i++) {
          ones.push((await cli(env, one)).ms);
          const r = await cli(env, all);
          alls.push(r.ms);
          const doc = JSON.parse(r.out) as {
            clusters: { known: boolean }[];
            versions: { profile: string; version: string; clusters: string[] }[];
          };
          listed = doc.clusters.length;
          known = doc.clusters.filter((c) => c.known).length;
          versions = doc.versions.map((v) => `${v.profile}@${v.version}: ${v.clusters.length}`).join(', ');
        }
        if (listed !== CLUSTERS) throw new Error(`status --all listed ${listed} clusters, not ${CLUSTERS}`);
        return {
          value: median(alls),
          baseline: median(ones),
          unit: 'ms',
          notes: [
            `status of one: ${ones.join(', ')} ms; status --all: ${alls.join(', ')} ms (medians of 3)`,
            `--all listed ${listed} clusters, ${known} known; versions: ${versions}`,
            'goal: ratio <= 3',
          ],
        };
      } finally {
        await sandbox.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
