/**
 * The stand-in for image-reflector-controller (image.toolkit.fluxcd.io/v1): ImageRepository scans
 * and ImagePolicy selection, as strictly as the real controller where the sandbox can tell:
 *   - only `provider: aws` ECR repositories are scanned (anything else is Ready=False, named);
 *   - the controller's own service account must receive credentials through EKS Pod Identity
 *     (the emulator says whether an association and the agent exist for
 *     flux-system/image-reflector-controller on the cluster named in cluster-values), and its
 *     role must hold an inline policy allowing ecr:ListImages on the repository (a pattern match
 *     of the Action and Resource, not IAM's full evaluation);
 *   - the tags are listed with ECR's ListImages through the real SDK against the emulator (the
 *     real controller lists them through the registry's /v2/<name>/tags/list, which ECR authorizes
 *     as ecr:ListImages);
 *   - an ImagePolicy orders the tags its filterTags pattern keeps (the `extract` group when given)
 *     numerically or alphabetically; semver is not stood in and says so.
 */
import { ECRClient, ListImagesCommand } from '@aws-sdk/client-ecr';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { type Api, at, now, type Obj, refOf } from './api.js';
import { condition, readyOf } from './conditions.js';

export const IMAGE_API = 'image.toolkit.fluxcd.io/v1';
const REFLECTOR = { namespace: 'flux-system', serviceAccount: 'image-reflector-controller' };
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(.+)$/;

export interface AwsAccess {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export class ImageReflectorStandIn {
  /** The tags each ImageRepository's last scan found, by namespace/name. */
  readonly tags = new Map<string, string[]>();

  constructor(
    private readonly api: Api,
    private readonly aws: AwsAccess | undefined,
    private readonly log: (l: string) => void,
  ) {}

  async reconcile(): Promise<void> {
    for (const repo of await this.api.list(IMAGE_API, 'ImageRepository')) {
      await this.scan(repo).catch((e: unknown) =>
        this.fail(repo, 'ReconciliationFailed', (e as Error).message.split('\n')[0] ?? ''),
      );
    }
    for (const policy of await this.api.list(IMAGE_API, 'ImagePolicy')) await this.select(policy);
  }

  private async scan(repo: Obj): Promise<void> {
    const key = `${repo.metadata.namespace}/${repo.metadata.name}`;
    const image = String(at(repo, 'spec', 'image') ?? '');
    const m = ECR_IMAGE.exec(image);
    if (at(repo, 'spec', 'provider') !== 'aws' || !m)
      return await this.fail(
        repo,
        'ReconciliationFailed',
        `sandbox: only provider aws with an ECR image is stood in (${image})`,
      );
    if (!this.aws)
      return await this.fail(repo, 'ReconciliationFailed', 'sandbox: the stand-in was given no AWS emulator');
    const [, , region, name] = m;
    const denied = await this.credentialsProblem(name!);
    if (denied) return await this.fail(repo, 'AuthenticationFailed', denied);
    const ecr = new ECRClient(this.client(region!));
    const tags: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(
        new ListImagesCommand({ repositoryName: name, filter: { tagStatus: 'TAGGED' }, nextToken }),
      );
      for (const id of page.imageIds ?? []) if (id.imageTag) tags.push(id.imageTag);
      nextToken = page.nextToken;
    } while (nextToken);
    ecr.destroy();
    const before = this.tags.get(key);
    this.tags.set(key, tags);
    if (
      before &&
      before.length === tags.length &&
      before.every((t, i) => t === tags[i]) &&
      readyOf(repo)?.status === 'True'
    )
      return;
    const generation = repo.metadata.generation ?? 1;
    await this.api.patchStatus(refOf(repo), {
      observedGeneration: generation,
      canonicalImageName: image,
      lastScanResult: {
        tagCount: tags.length,
        scanTime: now(),
        latestTags: [...tags].sort().reverse().slice(0, 10),
      },
      conditions: [
        condition('Ready', 'True', 'Succeeded', `successful scan: found ${tags.length} tags`, generation),
      ],
    });
    this.log(`ImageRepository ${key}: ${tags.length} tags`);
  }

  /** Why the reflector's pods would get no ECR access, or undefined when they would. */
  private async credentialsProblem(repository: string): Promise<string | undefined> {
    const values = await this.api.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'flux-system',
      name: 'cluster-values',
    });
    const cluster = at(values, 'data', 'clusterName');
    if (typeof cluster !== 'string') return 'sandbox: no flux-system/cluster-values names the EKS cluster';
    const q = new URLSearchParams({ cluster, ...REFLECTOR });
    const res = await fetch(`${this.aws!.endpoint}/_emulator/pod-identity?${q}`);
    const report = (await res.json()) as { receivesCredentials?: boolean; roleArn?: string | null };
    if (!report.receivesCredentials || !report.roleArn)
      return `failed to get credentials from provider aws: no EKS Pod Identity association (or agent) for ${REFLECTOR.namespace}/${REFLECTOR.serviceAccount}`;
    const roleName = report.roleArn.split('/').at(-1)!;
    const iam = new IAMClient(this.client('us-east-1'));
    try {
      const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
      for (const policyName of names) {
        const doc = (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })))
          .PolicyDocument;
        if (doc && allowsListImages(decodeURIComponent(doc), repository)) return undefined;
      }
    } finally {
      iam.destroy();
    }
    return `AccessDeniedException: ${report.roleArn} is not authorized to perform ecr:ListImages on repository ${repository}`;
  }

  private async select(policy: Obj): Promise<void> {
    const ns = policy.metadata.namespace ?? 'default';
    const repoName = String(at(policy, 'spec', 'imageRepositoryRef', 'name') ?? '');
    const repo = await this.api.get({
      apiVersion: IMAGE_API,
      kind: 'ImageRepository',
      namespace: ns,
      name: repoName,
    });
    const tags = this.tags.get(`${ns}/${repoName}`);
    if (!repo || !tags)
      return await this.fail(
        policy,
        'DependencyNotReady',
        `referenced ImageRepository ${ns}/${repoName} is not ready`,
      );
    const pattern = at(policy, 'spec', 'filterTags', 'pattern');
    const extract = at(policy, 'spec', 'filterTags', 'extract');
    // Go's named groups (?P<name>...) are JavaScript's (?<name>...).
    const re = typeof pattern === 'string' ? new RegExp(pattern.replaceAll('(?P<', '(?<')) : undefined;
    const candidates = tags.flatMap((tag) => {
      const m = re ? re.exec(tag) : undefined;
      if (re && !m) return [];
      const value =
        typeof extract === 'string' && m
          ? extract.replace(
              /\$(\w+)|\$\{(\w+)\}/g,
              (_, a, b) => m.groups?.[a ?? b] ?? m[Number(a ?? b)] ?? '',
            )
          : tag;
      return [{ tag, value }];
    });
    const numerical = at(policy, 'spec', 'policy', 'numerical');
    const alphabetical = at(policy, 'spec', 'policy', 'alphabetical');
    if (!numerical && !alphabetical)
      return await this.fail(
        policy,
        'ReconciliationFailed',
        'sandbox: only numerical and alphabetical policies are stood in',
      );
    const desc = String(at(numerical ?? alphabetical, 'order') ?? 'asc') === 'desc';
    if (numerical && candidates.some((c) => Number.isNaN(Number(c.value))))
      return await this.fail(policy, 'ReconciliationFailed', 'failed to parse invalid numeric value');
    const sorted = candidates.sort((a, b) =>
      numerical ? Number(a.value) - Number(b.value) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
    );
    const best = desc ? sorted[0] : sorted.at(-1);
    if (!best)
      return await this.fail(
        policy,
        'ReconciliationFailed',
        'unable to determine latest version from provided list',
      );
    const image = String(at(repo, 'spec', 'image'));
    if (at(policy, 'status', 'latestRef', 'tag') === best.tag && readyOf(policy)?.status === 'True') return;
    const generation = policy.metadata.generation ?? 1;
    await this.api.patchStatus(refOf(policy), {
      observedGeneration: generation,
      latestRef: { name: image, tag: best.tag },
      conditions: [
        condition(
          'Ready',
          'True',
          'Succeeded',
          `Latest image tag for ${image} resolved to ${best.tag}`,
          generation,
        ),
      ],
    });
    this.log(`ImagePolicy ${ns}/${policy.metadata.name}: ${image}:${best.tag}`);
  }

  private client(region: string) {
    const a = this.aws!;
    return {
      endpoint: a.endpoint,
      region,
      credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey },
    };
  }

  private async fail(obj: Obj, reason: string, message: string): Promise<void> {
    const ready = readyOf(obj);
    if (ready?.status === 'False' && ready.message === message) return;
    this.log(`${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: ${message}`);
    await this.api.patchStatus(refOf(obj), {
      conditions: [condition('Ready', 'False', reason, message, obj.metadata.generation ?? 1)],
    });
  }
}

/** Whether a policy document has an Allow of ecr:ListImages whose Resource covers the repository. */
export function allowsListImages(document: string, repository: string): boolean {
  const doc = JSON.parse(document) as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]).map(String);
  const glob = (p: string) =>
    new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
  return statements.some((s) => {
    if (at(s, 'Effect') !== 'Allow') return false;
    if (!list(at(s, 'Action')).some((a) => glob(a).test('ecr:ListImages'))) return false;
    return list(at(s, 'Resource')).some(
      (r) => r === '*' || glob(r.split(':').slice(5).join(':')).test(`repository/${repository}`),
    );
  });
}
