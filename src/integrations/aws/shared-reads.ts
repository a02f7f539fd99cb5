/**
 * AWS clients for a run that reads many clusters of one account at once (`status --all`): the
 * account-wide reads every cluster's status repeats (the CI roles under their path, GitHub's
 * OpenID Connect provider, the describe that listing the clusters already did, the region's
 * buckets and their tags, the region's ECR repositories and their tags) are asked once
 * and shared. Only reads are shared, and only for the run; a failed read is asked again.
 */
import type { AwsClients } from './clients.js';
import { IDENTITY_ROOT } from './identity-role.js';
import type { EcrPort, EksPort, IamPort } from './ports.js';
import type { S3Port } from './ports-s3.js';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

function sharing<T extends object>(target: T, methods: readonly (keyof T & string)[]): T {
  const cache = new Map<string, Promise<unknown>>();
  // Inherits every other method and field; the named ones answer from the run's cache.
  const out = Object.create(target) as T;
  for (const name of methods) {
    const method = target[name] as unknown as AsyncMethod;
    const shared = (...args: never[]): Promise<unknown> => {
      const key = `${name}\0${JSON.stringify(args)}`;
      let answer = cache.get(key);
      if (!answer) {
        answer = method.apply(target, args);
        cache.set(key, answer);
        answer.catch(() => cache.delete(key));
      }
      return answer;
    };
    Object.defineProperty(out, name, { value: shared });
  }
  return out;
}

export function withSharedReads(aws: AwsClients): AwsClients {
  const sharedIam = sharing<IamPort>(aws.iam, [
    'listRoles',
    'listRoleTrusts',
    'getRole',
    'listOpenIdConnectProviders',
    'getOpenIdConnectProvider',
  ]);
  // Each cluster's identity roles are listed under its own path, /gitops/<cluster>/: one listing
  // of /gitops/ holds them all, and each cluster takes those whose path is under its prefix.
  const iam = Object.create(sharedIam) as IamPort;
  Object.defineProperty(iam, 'listRoles', { value: rolesFromOneListing(sharedIam) });
  const eks = sharing<EksPort>(aws.eks, ['describeCluster']);
  // Every cluster's status lists the region's gitops buckets and reads each one's tags to find
  // its own: asked once, not once per cluster (50 clusters with a bucket each made 2,500 reads).
  const s3 = sharing<S3Port>(aws.s3, ['listBuckets', 'getTags']);
  // Likewise each cluster's status lists the region's ECR repositories and reads every one's tags
  // to find those tagged for it: the listing and the tags are the same for every cluster.
  const ecr = sharing<EcrPort>(aws.ecr, ['listRepositories', 'listTags']);
  return Object.assign(Object.create(aws) as AwsClients, { iam, eks, s3, ecr });
}

function rolesFromOneListing(shared: IamPort): IamPort['listRoles'] {
  return async (pathPrefix) => {
    if (!pathPrefix.startsWith(IDENTITY_ROOT)) return await shared.listRoles(pathPrefix);
    const all = await shared.listRoleTrusts(IDENTITY_ROOT);
    // IAM's PathPrefix is a plain prefix of the role's path.
    return all.filter((r) => pathOf(r.arn).startsWith(pathPrefix)).map((r) => r.name);
  };
}

/** A role's path from its ARN: arn:aws:iam::<account>:role/gitops/dev/name -> /gitops/dev/. */
function pathOf(arn: string): string {
  const resource = arn.slice(arn.indexOf(':role/') + ':role'.length);
  return resource.slice(0, resource.lastIndexOf('/') + 1);
}
