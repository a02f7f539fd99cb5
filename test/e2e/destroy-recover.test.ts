import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { simpleGit } from 'simple-git';
import {
  bootstrapArgs,
  commitCount,
  createFleetRepo,
  gitops,
  mutatingCallsSince,
  sandbox,
  taggedFor,
} from './helpers.js';

const CLUSTER = 'e2e-mobile';

async function hasFolder(bareDir: string, path: string): Promise<boolean> {
  const out = await simpleGit(bareDir)
    .raw(['ls-tree', '--name-only', 'main', `${path}/`])
    .catch(() => '');
  return out.trim() !== '';
}

describe('mobile: bootstrap, destroy --keep-git, rebuild from Git, destroy', () => {
  it('rebuilds the cluster from the fleet repo alone, and destroy leaves nothing behind', async () => {
    const fleet = await createFleetRepo(CLUSTER);
    // mobile needs the Route 53 zone external-dns may write to; cluster.yaml records it.
    const config = join(sandbox().gitRoot, `${CLUSTER}.gitops.yaml`);
    writeFileSync(
      config,
      'profile:\n  source: mobile\n  parameters:\n    hostedZoneId: Z0000000000EXAMPLE\n',
    );
    const boot = await gitops(bootstrapArgs(CLUSTER, 'mobile', fleet.url, ['--config', config]));
    expect(boot.code, boot.stderr + boot.stdout).toBe(0);
    expect((await gitops(['status', '--cluster', CLUSTER])).code).toBe(0);
    expect(await taggedFor(CLUSTER)).toMatchObject({ vpcs: 1, clusters: 1, ecr: 1 });

    // Disaster: the AWS side is gone, Git is kept.
    const gone = await gitops(['-o', 'json', 'destroy', '--cluster', CLUSTER, '--keep-git', '--yes']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(await taggedFor(CLUSTER)).toEqual({});
    expect(await hasFolder(fleet.dir, `clusters/${CLUSTER}`)).toBe(true);
    expect((await gitops(['status', '--cluster', CLUSTER])).code).toBe(3);

    // Recovery: no profile argument, everything comes from clusters/<name>/cluster.yaml.
    const commits = await commitCount(fleet.dir);
    const back = await gitops([
      '-o',
      'json',
      'bootstrap',
      '--from-git',
      fleet.url,
      '--cluster',
      CLUSTER,
      '--yes',
    ]);
    expect(back.code, back.stderr + back.stdout).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ ok: true, profile: { name: 'mobile' } });
    // The one change is the new VPC's id in the controllers' cluster-values: the rebuilt network
    // is a new VPC, and the load balancer controller must look for its load balancers there.
    expect(await commitCount(fleet.dir)).toBe(commits + 1);
    const changed = await simpleGit(fleet.dir).raw(['diff', '--name-only', 'main~1', 'main']);
    expect(changed.trim()).toBe(`clusters/${CLUSTER}/cluster-values.yaml`);
    expect((await gitops(['status', '--cluster', CLUSTER])).code).toBe(0);

    // A resource named like ours but without our tags (someone else's) survives destroy.
    const env = sandbox().env;
    const foreign = `${CLUSTER}/not-ours`;
    const ecr = new ECRClient({
      endpoint: env.AWS_ENDPOINT_URL,
      region: env.AWS_REGION ?? 'us-west-2',
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
      },
    });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: foreign }));

    const destroyed = await gitops(['-o', 'json', 'destroy', '--cluster', CLUSTER, '--yes']);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(JSON.parse(destroyed.stdout)).toMatchObject({ ok: true, fleet: { removed: true } });
    expect(await taggedFor(CLUSTER)).toEqual({});
    const left = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [foreign] }));
    expect(left.repositories?.map((r) => r.repositoryName)).toEqual([foreign]);
    ecr.destroy();
    expect(await hasFolder(fleet.dir, `clusters/${CLUSTER}`)).toBe(false);

    const before = Date.now();
    const again = await gitops(['destroy', '--cluster', CLUSTER, '--yes', '--git-url', fleet.url]);
    expect(again.code, again.stderr).toBe(0);
    expect(await mutatingCallsSince(before)).toEqual([]);
  });
});
