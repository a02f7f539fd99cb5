/**
 * AWS clients for a run that reads many clusters of one account at once (`status --all`): the
 * account-wide reads every cluster's status repeats (the CI roles under their path, GitHub's
 * OpenID Connect provider, the describe that listing the clusters already did, the region's
 * buckets and their tags) are asked once
 * and shared. Only reads are shared, and only for the run; a failed read is asked again.
 */
import type { AwsClients } from './clients.js';
import type { EksPort, IamPort } from './ports.js';
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
  const iam = sharing<IamPort>(aws.iam, [
    'listRoles',
    'getRole',
    'listOpenIdConnectProviders',
    'getOpenIdConnectProvider',
  ]);
  const eks = sharing<EksPort>(aws.eks, ['describeCluster']);
  // Every cluster's status lists the region's gitops buckets and reads each one's tags to find
  // its own: asked once, not once per cluster (50 clusters with a bucket each made 2,500 reads).
  const s3 = sharing<S3Port>(aws.s3, ['listBuckets', 'getTags']);
  return Object.assign(Object.create(aws) as AwsClients, { iam, eks, s3 });
}
