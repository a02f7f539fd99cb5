// EKS (rest-json protocol): the operation is chosen by HTTP method + path, as in AWS's model.

import type { EmulatorContext } from './context.js';
import { accessOps } from './eks-access.js';
import { addonOps } from './eks-addons.js';
import { autoModeOps } from './eks-automode.js';
import { clusterOps } from './eks-clusters.js';
import type { EksOp } from './eks-common.js';
import { nodegroupOps } from './eks-nodegroups.js';
import { upgradeOps } from './eks-upgrades.js';
import { podIdentityOps } from './eks-pod-identity.js';
import { AwsError } from './errors.js';
import { JsonInput } from './json-input.js';
import { jsonReply } from './protocol.js';
import type { ServiceModule } from './service.js';

const ROUTES: [method: string, path: string, operation: string][] = [
  ['POST', '/clusters', 'CreateCluster'],
  ['GET', '/clusters', 'ListClusters'],
  ['GET', '/clusters/{name}', 'DescribeCluster'],
  ['DELETE', '/clusters/{name}', 'DeleteCluster'],
  ['GET', '/clusters/{name}/updates/{updateId}', 'DescribeUpdate'],
  ['GET', '/clusters/{name}/updates', 'ListUpdates'],
  ['POST', '/clusters/{name}/updates', 'UpdateClusterVersion'],
  ['GET', '/cluster-versions', 'DescribeClusterVersions'],
  ['POST', '/clusters/{clusterName}/node-groups/{nodegroupName}/update-version', 'UpdateNodegroupVersion'],
  ['POST', '/clusters/{name}/update-config', 'UpdateClusterConfig'],
  ['POST', '/clusters/{clusterName}/node-groups', 'CreateNodegroup'],
  ['GET', '/clusters/{clusterName}/node-groups', 'ListNodegroups'],
  ['GET', '/clusters/{clusterName}/node-groups/{nodegroupName}', 'DescribeNodegroup'],
  ['DELETE', '/clusters/{clusterName}/node-groups/{nodegroupName}', 'DeleteNodegroup'],
  ['POST', '/clusters/{clusterName}/node-groups/{nodegroupName}/update-config', 'UpdateNodegroupConfig'],
  ['POST', '/clusters/{clusterName}/addons', 'CreateAddon'],
  ['GET', '/clusters/{clusterName}/addons', 'ListAddons'],
  ['GET', '/clusters/{clusterName}/addons/{addonName}', 'DescribeAddon'],
  ['DELETE', '/clusters/{clusterName}/addons/{addonName}', 'DeleteAddon'],
  ['POST', '/clusters/{clusterName}/addons/{addonName}/update', 'UpdateAddon'],
  ['GET', '/addons/supported-versions', 'DescribeAddonVersions'],
  ['POST', '/clusters/{clusterName}/access-entries', 'CreateAccessEntry'],
  ['GET', '/clusters/{clusterName}/access-entries', 'ListAccessEntries'],
  ['GET', '/clusters/{clusterName}/access-entries/{principalArn}', 'DescribeAccessEntry'],
  ['POST', '/clusters/{clusterName}/access-entries/{principalArn}', 'UpdateAccessEntry'],
  ['DELETE', '/clusters/{clusterName}/access-entries/{principalArn}', 'DeleteAccessEntry'],
  ['POST', '/clusters/{clusterName}/access-entries/{principalArn}/access-policies', 'AssociateAccessPolicy'],
  [
    'GET',
    '/clusters/{clusterName}/access-entries/{principalArn}/access-policies',
    'ListAssociatedAccessPolicies',
  ],
  [
    'DELETE',
    '/clusters/{clusterName}/access-entries/{principalArn}/access-policies/{policyArn}',
    'DisassociateAccessPolicy',
  ],
  ['GET', '/access-policies', 'ListAccessPolicies'],
  ['POST', '/clusters/{name}/pod-identity-associations', 'CreatePodIdentityAssociation'],
  ['GET', '/clusters/{name}/pod-identity-associations', 'ListPodIdentityAssociations'],
  ['GET', '/clusters/{name}/pod-identity-associations/{associationId}', 'DescribePodIdentityAssociation'],
  ['POST', '/clusters/{name}/pod-identity-associations/{associationId}', 'UpdatePodIdentityAssociation'],
  ['DELETE', '/clusters/{name}/pod-identity-associations/{associationId}', 'DeletePodIdentityAssociation'],
  ['POST', '/tags/{resourceArn}', 'TagResource'],
  ['DELETE', '/tags/{resourceArn}', 'UntagResource'],
  ['GET', '/tags/{resourceArn}', 'ListTagsForResource'],
];

const OPS: Record<string, EksOp> = {
  ...clusterOps,
  ...nodegroupOps,
  ...addonOps,
  ...accessOps,
  ...upgradeOps,
  ...podIdentityOps,
  ...autoModeOps,
};

function match(
  method: string,
  rawPath: string,
): { operation: string; labels: Record<string, string> } | undefined {
  const segments = rawPath.split('/').filter((s) => s !== '');
  for (const [m, pattern, operation] of ROUTES) {
    if (m !== method) continue;
    const parts = pattern.split('/').filter((s) => s !== '');
    if (parts.length !== segments.length) continue;
    const labels: Record<string, string> = {};
    const ok = parts.every((p, i) => {
      const seg = segments[i]!;
      if (p.startsWith('{')) {
        try {
          labels[p.slice(1, -1)] = decodeURIComponent(seg);
        } catch {
          throw new AwsError('BadRequestException', `Malformed path segment ${seg}`, 400);
        }
        return true;
      }
      return p === seg;
    });
    if (ok) return { operation, labels };
  }
  return undefined;
}

export function eksService(ctx: EmulatorContext): ServiceModule {
  return {
    name: 'eks',
    protocol: 'rest-json',
    resolve(req) {
      const found = match(req.method, req.rawPath);
      if (!found)
        throw new AwsError(
          'UnknownOperationException',
          `No EKS operation for ${req.method} ${req.rawPath}`,
          404,
        );
      const body = JsonInput.parse(req.body);
      const query = Object.fromEntries(req.query);
      return {
        operation: found.operation,
        params: { ...found.labels, ...query, ...body.data },
        run: () => {
          const input = { labels: found.labels, query: req.query, body, caller: req.caller };
          return jsonReply('rest-json', req.requestId, OPS[found.operation]!(ctx, input));
        },
      };
    },
  };
}
