// waiter-latency: how long after a resource turns ACTIVE does the waiter notice? Our waiter vs
// the SDK's own (waitUntilClusterActive / waitUntilNodegroupActive) on the very same clusters and
// node groups of one emulator run.
//
// Scaling: the emulator runs AWS's lifecycles at SCALE (a cluster takes 9 min x SCALE). Both
// waiters get their delays scaled by the same factor (ours through AwsClients.timeScale, the
// SDK's through minDelay/maxDelay = its defaults 30 s / 120 s x SCALE), so dividing a measured
// latency by SCALE gives what it would be against real AWS. Fixed costs that do not scale (HTTP
// round trips, timers firing late on a busy machine) are magnified by 1/SCALE in that figure,
// which makes ours, the smaller one, look worse than it is: the headline is conservative. The
// notes add a second figure free of local load: when the first poll that could see ACTIVE
// reached the emulator (each waiter signs with its own identity, so the call log tells them
// apart). The emulator runs in its own process, as AWS is not in ours.
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  EKSClient,
  waitUntilClusterActive,
  waitUntilNodegroupActive,
} from '@aws-sdk/client-eks';
import { createAwsClients } from '../../src/integrations/aws/clients.js';
import { waitForCluster } from '../../src/integrations/aws/cluster.js';
import { waitActive } from '../../src/integrations/aws/nodegroups.js';
import type { WaitContext } from '../../src/integrations/aws/waiter.js';
import type { CallRecord, Identity, RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, createEksPrerequisites } from '../support/aws-emulator/testing.js';
import { admin, startEmulatorProcess } from './emulator-process.js';
import { type Benchmark, median } from './types.js';

const SCALE = 0.1;
const CLUSTERS = 16;
const CLUSTER_MS = 9 * 60_000;
const NODEGROUP_MS = 4 * 60_000;

interface Wait {
  kind: 'cluster' | 'nodegroup';
  /** Path labels that identify the resource in the call log. */
  match: Record<string, string>;
  activeAt: number;
  /** Returned to the caller, ms after ACTIVE. */
  ours: number;
  sdk: number;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'waiter-latency',
    description:
      'median delay from ACTIVE in the emulator to the waiter returning (clusters and node groups), ours vs the SDK waiter, in real-time seconds',
    async run() {
      const { emu, stop } = await startEmulatorProcess(['--time-scale', String(SCALE), '--seed', '3']);
      try {
        const sdkIdentity: Identity = {
          accessKeyId: 'AKIASDKWAITERBENCH01',
          secretAccessKey: 'sdk-waiter-bench-secret',
          arn: `arn:aws:iam::${emu.accountId}:user/sdk-waiter`,
        };
        await admin(emu, 'POST', '/_emulator/identities', sdkIdentity);
        const aws = createAwsClients({
          region: emu.region,
          endpoint: emu.url,
          credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
          timeScale: SCALE,
        });
        const eks = new EKSClient(clientConfig(emu));
        const sdkEks = new EKSClient(clientConfig(emu, sdkIdentity));
        // Only the URL, region and keys of the handle are used by this helper.
        const prereq = await createEksPrerequisites(emu as RunningEmulator, 'bench');
        // One context a wait, as each plan step has its own: 32 waits sleeping on one shared
        // signal would trip Node's listener-leak warning.
        const ctx = () => ({
          signal: new AbortController().signal,
          deadline: Number.POSITIVE_INFINITY,
          progress() {},
        });
        const sdkWait = { client: sdkEks, maxWaitTime: 600, minDelay: 30 * SCALE, maxDelay: 120 * SCALE };
        const createdAt = async (operation: string, name: string) => {
          const calls = (await admin(emu, 'GET', `/_emulator/calls?operation=${operation}`)) as CallRecord[];
          return calls.find((c) => c.ok && JSON.stringify(c.params).includes(`"${name}"`))!.at;
        };

        const waits: Wait[] = [];
        await Promise.all(
          Array.from({ length: CLUSTERS }, async (_, i) => {
            const name = `bench${i}`;
            // Staggered starts, so that the SDK waiter's phase differs from one resource to the next.
            await new Promise((r) => setTimeout(r, i * 97));
            await eks.send(
              new CreateClusterCommand({
                name,
                roleArn: prereq.clusterRoleArn,
                resourcesVpcConfig: { subnetIds: prereq.subnetIds },
              }),
            );
            const active = (await createdAt('CreateCluster', name)) + CLUSTER_MS * SCALE;
            const [ours, sdk] = await Promise.all([
              waitForCluster(ctx() as never, aws, name).then(() => Date.now() - active),
              waitUntilClusterActive(sdkWait, { name }).then(() => Date.now() - active),
            ]);
            waits.push({ kind: 'cluster', match: { name }, activeAt: active, ours, sdk });

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
              waitActive(ctx() as WaitContext, aws, name, 'ng').then(() => Date.now() - ngActive),
              waitUntilNodegroupActive(sdkWait, { clusterName: name, nodegroupName: 'ng' }).then(
                () => Date.now() - ngActive,
              ),
            ]);
            const match = { clusterName: name, nodegroupName: 'ng' };
            waits.push({ kind: 'nodegroup', match, activeAt: ngActive, ours: ngOurs, sdk: ngSdk });
          }),
        );

        // The first poll of each waiter that reached the emulator after ACTIVE.
        const polls = [
          ...((await admin(emu, 'GET', '/_emulator/calls?operation=DescribeCluster')) as CallRecord[]),
          ...((await admin(emu, 'GET', '/_emulator/calls?operation=DescribeNodegroup')) as CallRecord[]),
        ];
        const firstPollAfter = (w: Wait, caller: string) => {
          const mine = polls.filter(
            (c) =>
              c.caller === caller &&
              c.at >= w.activeAt &&
              Object.entries(w.match).every(([k, v]) => (c.params as Record<string, unknown>)[k] === v) &&
              (w.kind === 'nodegroup' || !('nodegroupName' in (c.params as object))),
          );
          return Math.min(...mine.map((c) => c.at)) - w.activeAt;
        };
        const ourCaller = `arn:aws:iam::${emu.accountId}:user/gitops-test`;

        const real = (ms: number) => ms / SCALE / 1000;
        const med = (values: number[]) => real(median(values));
        const of = (kind: Wait['kind'] | 'all') => waits.filter((w) => kind === 'all' || w.kind === kind);
        const ours = med(of('all').map((w) => w.ours));
        const sdk = med(of('all').map((w) => w.sdk));
        const row = (label: string, a: number, b: number) =>
          `  ${label.padEnd(44)}${a.toFixed(1).padStart(6)}  ${b.toFixed(1).padStart(6)}`;
        return {
          value: Number(ours.toFixed(2)),
          baseline: Number(sdk.toFixed(2)),
          unit: 's',
          notes: [
            `${waits.length} waits (${CLUSTERS} clusters, each then one node group), emulator timeScale ${SCALE} in its own process`,
            `${'median delay after ACTIVE, real-time seconds'.padEnd(46)}  ours     SDK`,
            row(
              'returned to the caller: clusters (9 min)',
              med(of('cluster').map((w) => w.ours)),
              med(of('cluster').map((w) => w.sdk)),
            ),
            row(
              'returned to the caller: node groups (4 min)',
              med(of('nodegroup').map((w) => w.ours)),
              med(of('nodegroup').map((w) => w.sdk)),
            ),
            row(
              'first poll after ACTIVE reached AWS (all)',
              med(waits.map((w) => firstPollAfter(w, ourCaller))),
              med(waits.map((w) => firstPollAfter(w, sdkIdentity.arn))),
            ),
            `  worst case returned, ours: ${real(Math.max(...waits.map((w) => w.ours))).toFixed(1)} s; SDK: ${real(Math.max(...waits.map((w) => w.sdk))).toFixed(1)} s`,
            "scaling: lifecycles and both waiters' delays are multiplied by timeScale; latency / timeScale = real-time equivalent;",
            '  unscaled costs (HTTP, late timers on a busy machine) are magnified by 1/timeScale, against ours: conservative',
            'goal: ours <= 1/10 of the SDK waiter (ratio <= 0.100)',
          ],
        };
      } finally {
        await stop();
      }
    },
  },
];
