/**
 * EKS Pod Identity calls over @aws-sdk/client-eks, for the EKS adapter: associations of a
 * service account with a role, and the add-on form of them (UpdateAddon podIdentityAssociations).
 * Kept apart from eks.ts so each file holds one job.
 */
import type * as Sdk from '@aws-sdk/client-eks';
import type { AddonIdentity, CreatePodIdentityInput, PodIdentityAssociation } from '../ports.js';
import { allPages } from './common.js';

type Client = Sdk.EKSClient;

export function listAssociations(
  sdk: typeof Sdk,
  c: Client,
  cluster: string,
): Promise<PodIdentityAssociation[]> {
  return allPages(async (nextToken) => {
    const r = await c.send(
      new sdk.ListPodIdentityAssociationsCommand({
        clusterName: cluster,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    return { items: (r.associations ?? []).map(toAssociation), next: r.nextToken };
  });
}

export async function describeAssociation(
  sdk: typeof Sdk,
  c: Client,
  cluster: string,
  id: string,
): Promise<PodIdentityAssociation | undefined> {
  const r = await c.send(
    new sdk.DescribePodIdentityAssociationCommand({ clusterName: cluster, associationId: id }),
  );
  return r.association ? toAssociation(r.association) : undefined;
}

export async function createAssociation(
  sdk: typeof Sdk,
  c: Client,
  input: CreatePodIdentityInput,
): Promise<PodIdentityAssociation> {
  const r = await c.send(
    new sdk.CreatePodIdentityAssociationCommand({
      clusterName: input.clusterName,
      namespace: input.namespace,
      serviceAccount: input.serviceAccount,
      roleArn: input.roleArn,
      tags: input.tags,
      clientRequestToken: input.clientRequestToken,
    }),
  );
  return toAssociation(r.association ?? {});
}

export async function updateAssociation(
  sdk: typeof Sdk,
  c: Client,
  cluster: string,
  id: string,
  roleArn: string,
): Promise<void> {
  await c.send(
    new sdk.UpdatePodIdentityAssociationCommand({ clusterName: cluster, associationId: id, roleArn }),
  );
}

export async function deleteAssociation(
  sdk: typeof Sdk,
  c: Client,
  cluster: string,
  id: string,
): Promise<void> {
  await c.send(new sdk.DeletePodIdentityAssociationCommand({ clusterName: cluster, associationId: id }));
}

export async function updateAddonAssociations(
  sdk: typeof Sdk,
  c: Client,
  cluster: string,
  name: string,
  associations: AddonIdentity[],
  clientRequestToken: string,
): Promise<void> {
  await c.send(
    new sdk.UpdateAddonCommand({
      clusterName: cluster,
      addonName: name,
      podIdentityAssociations: associations.map((a) => ({
        serviceAccount: a.serviceAccount,
        roleArn: a.roleArn,
      })),
      clientRequestToken,
    }),
  );
}

type Shape = Sdk.PodIdentityAssociation | Sdk.PodIdentityAssociationSummary;

function toAssociation(a: Shape): PodIdentityAssociation {
  const roleArn = 'roleArn' in a ? a.roleArn : undefined;
  const tags = 'tags' in a ? a.tags : undefined;
  return {
    id: a.associationId ?? '',
    arn: a.associationArn ?? '',
    namespace: a.namespace ?? '',
    serviceAccount: a.serviceAccount ?? '',
    tags: tags ?? {},
    ...(roleArn ? { roleArn } : {}),
    ...(a.ownerArn ? { ownerArn: a.ownerArn } : {}),
  };
}
