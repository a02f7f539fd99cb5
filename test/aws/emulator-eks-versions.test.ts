// EKS's Kubernetes version calendar: which versions are offered, the default, version updates one
// minor at a time, node groups following, and the upgrade EKS forces when support ends.
import {
  CreateAddonCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DescribeClusterCommand,
  DescribeClusterVersionsCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  InvalidParameterException,
  InvalidRequestException,
  ListUpdatesCommand,
  UpdateAddonCommand,
  UpdateClusterVersionCommand,
  UpdateNodegroupVersionCommand,
  waitUntilClusterActive,
  waitUntilNodegroupActive,
} from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EKS_VERSIONS, type EksVersionInfo } from '../support/aws-emulator/eks-versions.js';
import { type RunningEmulator, startAwsEmulator } from '../support/aws-emulator/index.js';
import {
  clientConfig,
  createEksPrerequisites,
  type EksPrerequisites,
} from '../support/aws-emulator/testing.js';

const waiter = (client: EKSClient) => ({ client, maxWaitTime: 20, minDelay: 0.05, maxDelay: 0.1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await sleep(20);
  }
}

// What the calendar says today, so these tests stay true as dates pass (1.31's end is fixed).
const ended = (v: EksVersionInfo) => Date.parse(v.endOfExtendedSupport) <= Date.now();
const offeredNow = EKS_VERSIONS.filter((v) => !ended(v)).map((v) => v.version);
const defaultNow = EKS_VERSIONS.find((v) => v.default && !ended(v))?.version ?? offeredNow.at(-1);

describe('the default calendar (AWS’s, December 2026)', () => {
  let emu: RunningEmulator;
  let eks: EKSClient;
  let pre: EksPrerequisites;
  beforeAll(async () => {
    emu = await startAwsEmulator({ timeScale: 0.001 });
    eks = new EKSClient({ ...clientConfig(emu), maxAttempts: 1 });
    pre = await createEksPrerequisites(emu, 'cal');
  });
  afterAll(async () => {
    eks.destroy();
    await emu.stop();
  });

  it('lists the offered versions newest first, with dates, statuses and one default', async () => {
    const out = await eks.send(new DescribeClusterVersionsCommand({}));
    const versions = out.clusterVersions!.map((v) => v.clusterVersion);
    expect(versions[0]).toBe('1.35');
    expect(versions).toContain('1.32');
    expect(versions).not.toContain('1.31'); // extended support ended 2026-11-26
    expect(versions).toEqual([...offeredNow].reverse());
    expect(out.clusterVersions!.filter((v) => v.defaultVersion).map((v) => v.clusterVersion)).toEqual([
      defaultNow,
    ]);
    const v131 = await eks.send(new DescribeClusterVersionsCommand({ clusterVersions: ['1.31'] }));
    expect(v131.clusterVersions![0]).toMatchObject({
      clusterVersion: '1.31',
      versionStatus: 'UNSUPPORTED',
      status: 'unsupported',
      endOfExtendedSupportDate: new Date('2026-11-26T00:00:00Z'),
    });
    const all = await eks.send(new DescribeClusterVersionsCommand({ includeAll: true }));
    expect(all.clusterVersions!.map((v) => v.clusterVersion)).toEqual(
      [...EKS_VERSIONS].reverse().map((v) => v.version),
    );
    const unsupported = await eks.send(new DescribeClusterVersionsCommand({ versionStatus: 'UNSUPPORTED' }));
    expect(unsupported.clusterVersions!.map((v) => v.clusterVersion)).toEqual(
      EKS_VERSIONS.filter(ended)
        .map((v) => v.version)
        .reverse(),
    );
    expect(unsupported.clusterVersions!.map((v) => v.clusterVersion)).toContain('1.31');
    const onlyDefault = await eks.send(new DescribeClusterVersionsCommand({ defaultOnly: true }));
    expect(onlyDefault.clusterVersions!.map((v) => v.clusterVersion)).toEqual([defaultNow]);
  });

  it('creates clusters only on offered versions; the default when none is given', async () => {
    const input = { roleArn: pre.clusterRoleArn, resourcesVpcConfig: { subnetIds: pre.subnetIds } };
    const old = await eks
      .send(new CreateClusterCommand({ ...input, name: 'old', version: '1.31' }))
      .catch((e) => e);
    expect(old).toBeInstanceOf(InvalidParameterException);
    expect(old.message).toBe(`unsupported Kubernetes version 1.31; supported: ${offeredNow.join(', ')}`);
    const plain = await eks.send(new CreateClusterCommand({ ...input, name: 'plain' }));
    expect(plain.cluster).toMatchObject({ version: defaultNow, upgradePolicy: { supportType: 'EXTENDED' } });
  });

  it('updates one minor version at a time; node groups catch up first; add-ons follow', async () => {
    const c = await eks.send(
      new CreateClusterCommand({
        name: 'up',
        version: '1.33',
        roleArn: pre.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: pre.subnetIds },
      }),
    );
    const platform133 = c.cluster!.platformVersion;
    await waitUntilClusterActive(waiter(eks), { name: 'up' });
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: 'up',
        nodegroupName: 'ng',
        nodeRole: pre.nodeRoleArn,
        subnets: pre.subnetIds,
        instanceTypes: ['m5.large'],
      }),
    );
    await eks.send(new CreateAddonCommand({ clusterName: 'up', addonName: 'kube-proxy' }));
    await waitUntilNodegroupActive(waiter(eks), { clusterName: 'up', nodegroupName: 'ng' });
    const skip = await eks
      .send(new UpdateClusterVersionCommand({ name: 'up', version: '1.35' }))
      .catch((e) => e);
    expect(skip).toBeInstanceOf(InvalidParameterException);
    expect(skip.message).toBe('Unsupported Kubernetes minor version update from 1.33 to 1.35');

    emu.pauseClock();
    const { update } = await eks.send(new UpdateClusterVersionCommand({ name: 'up', version: '1.34' }));
    expect(update).toMatchObject({ type: 'VersionUpdate', status: 'InProgress' });
    expect(update!.params).toContainEqual({ type: 'Version', value: '1.34' });
    const during = await eks.send(new DescribeClusterCommand({ name: 'up' }));
    expect(during.cluster).toMatchObject({ status: 'UPDATING', version: '1.33' });
    const again = await eks
      .send(new UpdateClusterVersionCommand({ name: 'up', version: '1.34' }))
      .catch((e) => e);
    expect(again.name).toBe('ResourceInUseException');
    emu.resumeClock();

    await waitUntilClusterActive(waiter(eks), { name: 'up' });
    const after = await eks.send(new DescribeClusterCommand({ name: 'up' }));
    expect(after.cluster!.version).toBe('1.34');
    expect(after.cluster!.platformVersion).not.toBe(platform133);
    const done = await eks.send(new DescribeUpdateCommand({ name: 'up', updateId: update!.id! }));
    expect(done.update!.status).toBe('Successful');
    expect((await eks.send(new ListUpdatesCommand({ name: 'up' }))).updateIds).toEqual([update!.id]);

    const blocked = await eks
      .send(new UpdateClusterVersionCommand({ name: 'up', version: '1.35' }))
      .catch((e) => e);
    expect(blocked).toBeInstanceOf(InvalidRequestException);
    expect(blocked.message).toContain('Nodegroups ng must be updated to match cluster version 1.34');

    const ngUpdate = await eks.send(
      new UpdateNodegroupVersionCommand({ clusterName: 'up', nodegroupName: 'ng' }),
    );
    expect(ngUpdate.update!.params).toContainEqual({ type: 'Version', value: '1.34' });
    await waitUntilNodegroupActive(waiter(eks), { clusterName: 'up', nodegroupName: 'ng' });
    const ng = await eks.send(new DescribeNodegroupCommand({ clusterName: 'up', nodegroupName: 'ng' }));
    expect(ng.nodegroup!.version).toBe('1.34');

    const addon = await eks.send(
      new UpdateAddonCommand({
        clusterName: 'up',
        addonName: 'kube-proxy',
        addonVersion: 'v1.34.3-eksbuild.2',
      }),
    );
    expect(addon.update!.params).toContainEqual({ type: 'AddonVersion', value: 'v1.34.3-eksbuild.2' });
    await expect(
      eks.send(new UpdateClusterVersionCommand({ name: 'up', version: '1.35' })),
    ).resolves.toMatchObject({ update: { status: 'InProgress' } });
  });
});

describe('the upgrade EKS forces when support ends', () => {
  // A calendar where 1.32's support ends moments from now (1.32 -> 1.33 is a real next step).
  const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
  // 1.33 stays under standard support here, so that a STANDARD cluster stops there.
  const table = (endOf132: { standard: string; extended: string }): EksVersionInfo[] =>
    EKS_VERSIONS.map((v) =>
      v.version === '1.32'
        ? { ...v, endOfStandardSupport: endOf132.standard, endOfExtendedSupport: endOf132.extended }
        : v.version === '1.33'
          ? { ...v, endOfStandardSupport: '2027-07-29', endOfExtendedSupport: '2028-07-29' }
          : v,
    );

  it('a cluster still on a version when extended support ends goes UPDATING, then ACTIVE one minor up', async () => {
    const emu = await startAwsEmulator({
      timeScale: 0.001,
      eksVersions: table({ standard: '2026-03-23', extended: soon(1500) }),
    });
    const eks = new EKSClient(clientConfig(emu));
    const pre = await createEksPrerequisites(emu, 'forced');
    try {
      await eks.send(
        new CreateClusterCommand({
          name: 'legacy',
          version: '1.32',
          roleArn: pre.clusterRoleArn,
          resourcesVpcConfig: { subnetIds: pre.subnetIds },
        }),
      );
      await waitUntilClusterActive(waiter(eks), { name: 'legacy' });
      expect((await eks.send(new DescribeClusterCommand({ name: 'legacy' }))).cluster!.version).toBe('1.32');
      const updating = await until(
        () => eks.send(new DescribeClusterCommand({ name: 'legacy' })),
        (o) => o.cluster!.status === 'UPDATING',
      );
      expect(updating.cluster).toMatchObject({ status: 'UPDATING', version: '1.32' });
      await waitUntilClusterActive(waiter(eks), { name: 'legacy' });
      const upgraded = await eks.send(new DescribeClusterCommand({ name: 'legacy' }));
      expect(upgraded.cluster!.version).toBe('1.33');
      const [id] = (await eks.send(new ListUpdatesCommand({ name: 'legacy' }))).updateIds!;
      const u = await eks.send(new DescribeUpdateCommand({ name: 'legacy', updateId: id! }));
      expect(u.update).toMatchObject({ type: 'VersionUpdate', status: 'Successful' });
    } finally {
      eks.destroy();
      await emu.stop();
    }
  });

  it('with upgradePolicy STANDARD the upgrade comes at the end of standard support', async () => {
    const emu = await startAwsEmulator({
      timeScale: 0.001,
      eksVersions: table({ standard: soon(1200), extended: '2027-03-23' }),
    });
    const eks = new EKSClient(clientConfig(emu));
    const pre = await createEksPrerequisites(emu, 'std');
    try {
      const base = {
        version: '1.32',
        roleArn: pre.clusterRoleArn,
        resourcesVpcConfig: { subnetIds: pre.subnetIds },
      };
      await eks.send(
        new CreateClusterCommand({ ...base, name: 'std', upgradePolicy: { supportType: 'STANDARD' } }),
      );
      await eks.send(new CreateClusterCommand({ ...base, name: 'ext' }));
      await sleep(1500);
      await waitUntilClusterActive(waiter(eks), { name: 'std' });
      expect((await eks.send(new DescribeClusterCommand({ name: 'std' }))).cluster!.version).toBe('1.33');
      expect((await eks.send(new DescribeClusterCommand({ name: 'ext' }))).cluster!.version).toBe('1.32');
    } finally {
      eks.destroy();
      await emu.stop();
    }
  });
});
