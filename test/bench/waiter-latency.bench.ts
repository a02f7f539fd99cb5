// waiter-latency: how long after a resource turns ACTIVE does the waiter notice? Our waiter vs
// the SDK's own (waitUntilClusterActive / waitUntilNodegroupActive) on the very same clusters and
// node groups of one emulator run.
//
// Scaling: the emulator runs AWS's lifecycles at SCALE (a cluster takes 9 min x SCALE). Both
// waiters get their delays scaled by the same factor (ours through AwsClients.timeScale, the
// SDK's through minDelay/maxDelay = its defaults 30 s / 120 s x SCALE), so dividing a measured
// latency by SCALE gives what it would be against real AWS. Fixed costs that do not scale (an
// HTTP round trip, event-loop delays) are magnified by 1/SCALE in that figure, which makes ours,
// the smaller one, look worse than it is: the comparison is conservative. To keep those costs
// small the emulator runs in its own process (as AWS is not in ours) on a slow-ish clock.
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  EKSClient,
  waitUntilClusterActive,
  waitUntilNodegroupActive,
} from '@aws-sdk/client-eks';
import { waitForCluster } from '../../src/aws/cluster.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { waitActive } from '../../src/aws/nodegroups.js';
import type { WaitContext } from '../../src/aws/waiter.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CallRecord, RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, createEksPrerequisites } from '../support/aws-emulator/testing.js';
import { type Benchmark, median } from './types.js';

const SCALE = 0.05;
const CLUSTERS_PER_ROUND = 16;
const ROUNDS = 1;
const CLUSTER_MS = 9 * 60_000;
const NODEGROUP_MS = 4 * 60_000;

interface Sample {
  kind: 'cluster' | 'nodegroup';
  ours: number;
  sdk: number;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'waiter-latency',
    description:
      'median delay from ACTIVE in the emulator to the waiter returning (clusters and node groups), ours vs the SDK waiter, in real-time seconds',
    async run() {
      const { emu, stop } = await startEmulatorProcess();
      try {
        const aws = createAwsClients({
          region: emu.region,
          endpoint: emu.url,
          credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
          timeScale: SCALE,
        });
        const eks = new EKSClient(clientConfig(emu));
        // Only the URL, region and keys of the handle are used by this helper.
        const prereq = await createEksPrerequisites(emu as RunningEmulator, 'bench');
        const ctx: WaitContext = {
          signal: new AbortController().signal,
          deadline: Number.POSITIVE_INFINITY,
          progress() {},
        };
        const createdAt = async (operation: string, name: string) => {
          const res = await fetch(`${emu.url}/_emulator/calls?operation=${operation}`);
          const calls = (await res.json()) as CallRecord[];
          return calls.find((c) => c.ok && JSON.stringify(c.params).includes(`"${name}"`))!.at;
        };
        const sdkWait = { client: eks, maxWaitTime: 60, minDelay: 30 * SCALE, maxDelay: 120 * SCALE };

        const samples: Sample[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const names = Array.from({ length: CLUSTERS_PER_ROUND }, (_, i) => `b${round}x${i}`);
          await Promise.all(
            names.map(async (name, i) => {
              // Staggered starts, so that the SDK waiter's phase differs from one resource to the next.
              await new Promise((r) => setTimeout(r, i * 37));
              await eks.send(
                new CreateClusterCommand({
                  name,
                  roleArn: prereq.clusterRoleArn,
                  resourcesVpcConfig: { subnetIds: prereq.subnetIds },
                }),
              );
              const active = (await createdAt('CreateCluster', name)) + CLUSTER_MS * SCALE;
              const [ours, sdk] = await Promise.all([
                waitForCluster(ctx as never, aws, name).then(() => Date.now() - active),
                waitUntilClusterActive(sdkWait, { name }).then(() => Date.now() - active),
              ]);
              samples.push({ kind: 'cluster', ours, sdk });

              await eks.send(
                new CreateNodegroupCommand({
                  clusterName: name,
                  nodegroupName: 'ng',
                  nodeRole: prereq.nodeRoleArn,
                  subnets: prereq.subnetIds,
                  scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 1 },
                }),
              );
              const ngActive = (await createdAt('CreateNodegroup', name)) + NODEGROUP_MS * SCALE;
              const [ngOurs, ngSdk] = await Promise.all([
                waitActive(ctx, aws, name, 'ng').then(() => Date.now() - ngActive),
                waitUntilNodegroupActive(sdkWait, { clusterName: name, nodegroupName: 'ng' }).then(
                  () => Date.now() - ngActive,
                ),
              ]);
              samples.push({ kind: 'nodegroup', ours: ngOurs, sdk: ngSdk });
            }),
          );
        }

        const real = (ms: number) => ms / SCALE / 1000;
        const med = (kind: Sample['kind'] | 'all', who: 'ours' | 'sdk') =>
          real(median(samples.filter((s) => kind === 'all' || s.kind === kind).map((s) => s[who])));
        const ours = med('all', 'ours');
        const sdk = med('all', 'sdk');
        const fmt = (n: number) => n.toFixed(1).padStart(6);
        return {
          value: Number(ours.toFixed(2)),
          baseline: Number(sdk.toFixed(2)),
          unit: 's',
          notes: [
            `${samples.length} waits (${CLUSTERS_PER_ROUND * ROUNDS} clusters, each then one node group), emulator timeScale ${SCALE} in its own process`,
            'median delay after ACTIVE, real-time seconds   ours     SDK',
            `  clusters (9 min create)                     ${fmt(med('cluster', 'ours'))}  ${fmt(med('cluster', 'sdk'))}`,
            `  node groups (4 min create)                  ${fmt(med('nodegroup', 'ours'))}  ${fmt(med('nodegroup', 'sdk'))}`,
            `  worst case, ours: ${real(Math.max(...samples.map((s) => s.ours))).toFixed(1)} s; SDK: ${real(Math.max(...samples.map((s) => s.sdk))).toFixed(1)} s`,
            "scaling: lifecycles and both waiters' delays are multiplied by timeScale; latency / timeScale = real-time equivalent",
            '(unscaled HTTP and event-loop costs are magnified by 1/timeScale, against ours: conservative)',
            'goal: ours <= 1/10 of the SDK waiter (ratio <= 0.100)',
          ],
        };
      } finally {
        await stop();
      }
    },
  },
];

type EmulatorHandle = Pick<
  RunningEmulator,
  'url' | 'region' | 'accountId' | 'accessKeyId' | 'secretAccessKey'
>;

/** The standalone emulator (main.ts): it prints one JSON line, then serves until SIGTERM. */
async function startEmulatorProcess(): Promise<{ emu: EmulatorHandle; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/aws-emulator/main.ts', '--time-scale', String(SCALE), '--seed', '3'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`aws-emulator exited with ${code}`)));
  });
  lines.close();
  const emu = JSON.parse(first) as EmulatorHandle;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { emu, stop };
}
