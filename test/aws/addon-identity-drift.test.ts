// Issue #14: the Pod Identity association an add-on owns (aws-ebs-csi-driver's, for
// kube-system/ebs-csi-controller-sa) is put back by the next provisioning when someone changed it
// by hand through the EKS API: removed, or pointed at another role. A dry run shows it first; the
// run sends UpdateAddon `podIdentityAssociations`, and afterwards the emulator's pod-identity
// report says the service account's pods receive gitops's role again. Real SDK clients, emulator.
import {
  CreatePodIdentityAssociationCommand,
  DeletePodIdentityAssociationCommand,
  DescribeAddonCommand,
  EKSClient,
  UpdateAddonCommand,
  waitUntilAddonActive,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { provisionSteps } from '../../src/integrations/aws/provision.js';
import { resolveProfile } from '../../src/integrations/profiles/catalog.js';
import { resolveIdentities } from '../../src/integrations/profiles/identities.js';
import { builtinsFor, resolveParameters } from '../../src/integrations/profiles/parameters.js';
import { buildPlan } from '../../src/primitives/plan.js';
import { runPlan } from '../../src/primitives/runner.js';
import type { WorkloadIdentity } from '../../src/spec/identity.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientConfig, podIdentityTrustPolicy } from '../support/aws-emulator/testing.js';
import { RecordingSink } from '../support/recording-sink.js';
import { clientsFor, expectOk, mlSpec, run, startEmulator, teardown } from './fixtures.js';

const CLUSTER = 'drift';
const ADDON = 'aws-ebs-csi-driver';
const SA = 'ebs-csi-controller-sa';
const OURS = `gitops-${CLUSTER}-kube-system-${SA}`;
const MUTATING = /^(Create|Delete|Put|Tag|Untag|Attach|Detach|Associate|Update|Modify)/;

/** The ml profile's identity for the EBS CSI driver, as the bootstrap use case resolves it. */
async function ebsIdentity(account: string): Promise<WorkloadIdentity[]> {
  const profile = await resolveProfile('ml', { env: process.env });
  const params = resolveParameters(profile.profile, {}, builtinsFor(CLUSTER, 'us-west-2', account));
  const addons = ['vpc-cni', 'kube-proxy', 'coredns', 'eks-pod-identity-agent', ADDON];
  const all = resolveIdentities({
    layers: profile.profiles,
    spec: undefined,
    specSource: 'test',
    params,
    addons,
  });
  const ebs = all.filter((i) => i.addon === ADDON);
  expect(ebs.map((i) => `${i.namespace}/${i.serviceAccount}`)).toEqual([`kube-system/${SA}`]);
  return ebs;
}

interface PodIdentityAnswer {
  agent: string | null;
  roleArn: string | null;
  receivesCredentials: boolean;
  associations: { roleArn: string; ownerArn?: string }[];
}

describe("an add-on's Pod Identity association changed by hand", () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let eks: EKSClient;
  let identities: WorkloadIdentity[];
  let otherRoleArn: string;
  const spec = mlSpec(CLUSTER, {
    nodeGroups: [{ name: 'cpu', instanceTypes: ['m5.large'], minSize: 1, desiredSize: 1, maxSize: 2 }],
    addons: [{ name: ADDON }],
    ecrRepositories: [],
  });
  const steps = () => provisionSteps(spec, aws, identities);
  const ourRoleArn = () => emu.state().iam.roles.find((r) => r.RoleName === OURS)!.Arn;
  const addonArn = () =>
    emu
      .state()
      .eks.clusters.find((c) => c.name === CLUSTER)!
      .addons.find((a) => a.addonName === ADDON)!.addonArn as string;

  /** Which role kube-system/ebs-csi-controller-sa's pods would receive. */
  async function podIdentity(): Promise<PodIdentityAnswer> {
    const res = await fetch(
      `${emu.url}/_emulator/pod-identity?cluster=${CLUSTER}&namespace=kube-system&serviceAccount=${SA}`,
    );
    return (await res.json()) as PodIdentityAnswer;
  }

  async function ownedAssociationId(): Promise<string> {
    const out = await eks.send(new DescribeAddonCommand({ clusterName: CLUSTER, addonName: ADDON }));
    const arns = out.addon?.podIdentityAssociations ?? [];
    expect(arns).toHaveLength(1);
    return arns[0]!.slice(arns[0]!.lastIndexOf('/') + 1);
  }

  /** UpdateAddon by hand (replaces the add-on's whole set), waiting until the add-on is ACTIVE. */
  async function setByHand(associations: { serviceAccount: string; roleArn: string }[]): Promise<void> {
    await eks.send(
      new UpdateAddonCommand({
        clusterName: CLUSTER,
        addonName: ADDON,
        podIdentityAssociations: associations,
      }),
    );
    await waitUntilAddonActive(
      { client: eks, minDelay: 0.05, maxDelay: 0.1, maxWaitTime: 20 },
      { clusterName: CLUSTER, addonName: ADDON },
    );
  }

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    eks = new EKSClient(clientConfig(emu));
    identities = await ebsIdentity(emu.accountId);
    expectOk(await run('provision', steps()));
    // Someone else's role, trusted by EKS Pod Identity: EKS accepts it for the add-on.
    const iam = new IAMClient(clientConfig(emu));
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'hand-made-ebs',
        AssumeRolePolicyDocument: podIdentityTrustPolicy(),
      }),
    );
    otherRoleArn = role.Role!.Arn!;
    iam.destroy();
  });
  afterAll(async () => {
    expectOk(await teardown(CLUSTER, aws));
    eks.destroy();
    await emu.stop();
  });

  it('starts with the add-on giving the service account our role', async () => {
    expect(await podIdentity()).toMatchObject({
      agent: 'eks-pod-identity-agent',
      roleArn: ourRoleArn(),
      receivesCredentials: true,
      associations: [{ roleArn: ourRoleArn(), ownerArn: addonArn() }],
    });
  });

  /** Replaces the add-on's association with one of its own (EKS allows deleting an owned one). */
  async function standaloneByHand(roleArn: string): Promise<string> {
    const associationId = await ownedAssociationId();
    await eks.send(new DeletePodIdentityAssociationCommand({ clusterName: CLUSTER, associationId }));
    const made = await eks.send(
      new CreatePodIdentityAssociationCommand({
        clusterName: CLUSTER,
        namespace: 'kube-system',
        serviceAccount: SA,
        roleArn,
      }),
    );
    return made.association!.associationId!;
  }

  const drifts: [string, () => Promise<void>, string | null][] = [
    [
      'deleted with DeletePodIdentityAssociation',
      async () => {
        const associationId = await ownedAssociationId();
        await eks.send(new DeletePodIdentityAssociationCommand({ clusterName: CLUSTER, associationId }));
      },
      null,
    ],
    ['removed from the add-on with UpdateAddon', () => setByHand([]), null],
    [
      'pointed at another role with UpdateAddon',
      () => setByHand([{ serviceAccount: SA, roleArn: otherRoleArn }]),
      'hand-made-ebs',
    ],
  ];

  it.each(drifts)(
    '%s: the dry run shows it, the next run puts it back with UpdateAddon',
    async (_, change, wrong) => {
      await change();
      const before = await podIdentity();
      expect(before.roleArn).toBe(wrong === null ? null : otherRoleArn);

      emu.clearCalls();
      const preview = expectOk(
        await runPlan(buildPlan('dry', steps()), {
          sink: new RecordingSink(),
          dryRun: true,
          deadline: Date.now() + 30_000,
        }),
      );
      expect(preview.steps.filter((s) => s.result === 'would-change').map((s) => [s.id, s.summary])).toEqual([
        [`aws:addon:${ADDON}`, `set the Pod Identity of add-on ${ADDON}: ${SA} -> ${OURS}`],
      ]);
      expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);

      emu.clearCalls();
      const report = expectOk(await run('converge', steps()));
      expect(report.steps.filter((s) => s.result !== 'unchanged').map((s) => [s.id, s.result])).toEqual([
        [`aws:addon:${ADDON}`, 'updated'],
      ]);
      const mutating = emu.calls().filter((c) => MUTATING.test(c.operation) && c.ok);
      expect(mutating.map((c) => [c.operation, c.params])).toEqual([
        [
          'UpdateAddon',
          expect.objectContaining({
            clusterName: CLUSTER,
            addonName: ADDON,
            podIdentityAssociations: [{ serviceAccount: SA, roleArn: ourRoleArn() }],
          }),
        ],
      ]);
      expect(await podIdentity()).toMatchObject({
        agent: 'eks-pod-identity-agent',
        roleArn: ourRoleArn(),
        receivesCredentials: true,
        associations: [{ roleArn: ourRoleArn(), ownerArn: addonArn() }],
      });

      // Back in sync: a further run changes nothing.
      emu.clearCalls();
      const again = expectOk(await run('again', steps()));
      expect(again.steps.filter((s) => s.result !== 'unchanged').map((s) => s.id)).toEqual([]);
      expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
    },
  );
  const dryRun = () =>
    runPlan(buildPlan('dry', steps()), {
      sink: new RecordingSink(),
      dryRun: true,
      deadline: Date.now() + 30_000,
    });

  it("an association made by hand for gitops's own role, outside the add-on: deleted, then the add-on takes the service account back", async () => {
    await standaloneByHand(ourRoleArn());
    const before = await podIdentity();
    expect(before.associations).toEqual([expect.objectContaining({ roleArn: ourRoleArn() })]);
    expect(before.associations[0]!.ownerArn).toBeUndefined();

    emu.clearCalls();
    const preview = expectOk(await dryRun());
    expect(preview.steps.filter((s) => s.result === 'would-change').map((s) => [s.id, s.summary])).toEqual([
      [
        `aws:addon:${ADDON}`,
        `set the Pod Identity of add-on ${ADDON}: delete the association of kube-system/${SA} made outside the add-on, ${SA} -> ${OURS}`,
      ],
    ]);
    expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);

    emu.clearCalls();
    expectOk(await run('converge', steps()));
    const mutating = emu.calls().filter((c) => MUTATING.test(c.operation) && c.ok);
    expect(mutating.map((c) => c.operation)).toEqual(['DeletePodIdentityAssociation', 'UpdateAddon']);
    expect(mutating[1]!.params).toMatchObject({
      podIdentityAssociations: [{ serviceAccount: SA, roleArn: ourRoleArn() }],
    });
    expect(await podIdentity()).toMatchObject({
      roleArn: ourRoleArn(),
      receivesCredentials: true,
      associations: [{ roleArn: ourRoleArn(), ownerArn: addonArn() }],
    });
  });

  it("someone else's association for the service account is refused before any change, named; once gone, the add-on's comes back", async () => {
    const theirs = await standaloneByHand(otherRoleArn);
    const refusal = `a Pod Identity association made outside gitops gives kube-system/${SA} the role ${otherRoleArn}; add-on ${ADDON} cannot take it over`;
    for (const attempt of [dryRun, () => run('refused', steps())]) {
      emu.clearCalls();
      const report = await attempt();
      expect(report.ok).toBe(false);
      expect(report.steps.find((s) => s.id === `aws:addon:${ADDON}`)?.error).toMatchObject({
        code: 'GITOPS_CONFLICT',
        message: refusal,
      });
      expect(emu.calls().filter((c) => MUTATING.test(c.operation))).toEqual([]);
    }
    expect((await podIdentity()).roleArn).toBe(otherRoleArn);

    await eks.send(new DeletePodIdentityAssociationCommand({ clusterName: CLUSTER, associationId: theirs }));
    expectOk(await run('converge', steps()));
    expect(await podIdentity()).toMatchObject({
      roleArn: ourRoleArn(),
      associations: [{ roleArn: ourRoleArn(), ownerArn: addonArn() }],
    });
  });
});
