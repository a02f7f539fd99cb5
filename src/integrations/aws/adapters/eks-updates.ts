/**
 * The EKS calls that change a running cluster in place (version upgrades, endpoint access) and
 * DescribeUpdate to follow them; the EKS adapter delegates here so that it stays one screen.
 */
import type * as Sdk from '@aws-sdk/client-eks';
import type { EksUpdate, EndpointAccess } from '../ports.js';

/** The adapter's call wrapper: runs one SDK command, errors named after service and operation. */
export type EksRun = <T>(
  operation: string,
  fn: (sdk: typeof Sdk, client: Sdk.EKSClient) => Promise<T>,
) => Promise<T>;

export async function updateClusterVersion(
  run: EksRun,
  name: string,
  version: string,
  clientRequestToken: string,
): Promise<string> {
  const r = await run('UpdateClusterVersion', (sdk, c) =>
    c.send(new sdk.UpdateClusterVersionCommand({ name, version, clientRequestToken })),
  );
  return r.update?.id ?? '';
}

export async function updateNodegroupVersion(
  run: EksRun,
  cluster: string,
  nodegroup: string,
  version: string,
  clientRequestToken: string,
): Promise<string> {
  const r = await run('UpdateNodegroupVersion', (sdk, c) =>
    c.send(
      new sdk.UpdateNodegroupVersionCommand({
        clusterName: cluster,
        nodegroupName: nodegroup,
        version,
        clientRequestToken,
      }),
    ),
  );
  return r.update?.id ?? '';
}

/** UpdateClusterConfig with only the endpoint members: EKS takes one kind of update per call. */
export async function updateEndpointAccess(
  run: EksRun,
  name: string,
  access: EndpointAccess,
  clientRequestToken: string,
): Promise<string> {
  const r = await run('UpdateClusterConfig', (sdk, c) =>
    c.send(
      new sdk.UpdateClusterConfigCommand({
        name,
        resourcesVpcConfig: vpcAccess(access),
        clientRequestToken,
      }),
    ),
  );
  return r.update?.id ?? '';
}

export async function describeUpdate(
  run: EksRun,
  cluster: string,
  updateId: string,
  nodegroup?: string,
): Promise<EksUpdate> {
  const r = await run('DescribeUpdate', (sdk, c) =>
    c.send(
      new sdk.DescribeUpdateCommand({
        name: cluster,
        updateId,
        ...(nodegroup === undefined ? {} : { nodegroupName: nodegroup }),
      }),
    ),
  );
  return {
    id: r.update?.id ?? updateId,
    status: r.update?.status ?? 'InProgress',
    errors: (r.update?.errors ?? []).map((e) => `${e.errorCode ?? 'Unknown'}: ${e.errorMessage ?? ''}`),
  };
}

/** The endpoint members of resourcesVpcConfig (CreateCluster and UpdateClusterConfig). */
export function vpcAccess(access: EndpointAccess): Sdk.VpcConfigRequest {
  return {
    endpointPublicAccess: access.publicAccess,
    endpointPrivateAccess: access.privateAccess,
    // Without public access EKS ignores the list; sending none keeps the request what it means.
    ...(access.publicAccess ? { publicAccessCidrs: access.publicCidrs } : {}),
  };
}

export function endpointAccessOf(c: Sdk.Cluster): EndpointAccess | undefined {
  const v = c.resourcesVpcConfig;
  if (v?.endpointPublicAccess === undefined && v?.endpointPrivateAccess === undefined) return undefined;
  return {
    publicAccess: v.endpointPublicAccess === true,
    privateAccess: v.endpointPrivateAccess === true,
    publicCidrs: v.publicAccessCidrs ?? [],
  };
}
