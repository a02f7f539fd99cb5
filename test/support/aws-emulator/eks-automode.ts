// EKS Auto Mode: computeConfig, storageConfig.blockStorage and
// kubernetesNetworkConfig.elasticLoadBalancing on CreateCluster, and UpdateClusterConfig to turn it
// on (or off) later (UPDATING -> ACTIVE, DescribeUpdate type AutoModeUpdate). The rules and messages
// are AWS's as reported by its users where AWS's documentation gives none (see README).

import type { EmulatorContext } from './context.js';
import { checkServiceRole } from './eks-clusters.js';
import {
  clusterOrThrow,
  type EksOp,
  invalidParameter,
  invalidRequest,
  replayedUpdate,
  resourceInUse,
} from './eks-common.js';
import { autoModeAccessEntries } from './eks-automode-access.js';
import { updateEndpointAccess } from './eks-endpoint.js';
import type { AutoMode, Cluster } from './eks-store.js';
import { autoModeView, updateView } from './eks-views.js';
import type { AwsError } from './errors.js';
import type { JsonInput } from './json-input.js';

const NODE_POOLS = ['general-purpose', 'system'];
const ALL_OR_NOTHING =
  'For EKS Auto Mode, please ensure that all required configs, including computeConfig, kubernetesNetworkConfig, and blockStorage are all either fully enabled or fully disabled.';

interface Requested {
  compute?: JsonInput;
  computeEnabled?: boolean;
  storageEnabled?: boolean;
  elbEnabled?: boolean;
}

function requested(body: JsonInput): Requested {
  const compute = body.obj('computeConfig');
  const computeEnabled = compute?.bool('enabled');
  const storageEnabled = body.obj('storageConfig')?.obj('blockStorage')?.bool('enabled');
  const elbEnabled = body.obj('kubernetesNetworkConfig')?.obj('elasticLoadBalancing')?.bool('enabled');
  return {
    ...(compute ? { compute } : {}),
    ...(computeEnabled !== undefined ? { computeEnabled } : {}),
    ...(storageEnabled !== undefined ? { storageEnabled } : {}),
    ...(elbEnabled !== undefined ? { elbEnabled } : {}),
  };
}

/**
 * The Auto Mode configuration a request asks for, checked as EKS checks it; undefined when the
 * request does not mention Auto Mode. `current` is the cluster's, for updates (the node role
 * cannot change while compute stays enabled).
 */
export function readAutoMode(body: JsonInput, current?: AutoMode): AutoMode | undefined {
  const r = requested(body);
  const flags = [r.computeEnabled, r.storageEnabled, r.elbEnabled];
  if (flags.every((f) => f === undefined)) return undefined;
  // The three capabilities go on or off together, in the same request.
  if (flags.some((f) => f === true) && !flags.every((f) => f === true))
    throw invalidParameter(ALL_OR_NOTHING);
  const enabled = flags[0] === true;
  const nodePools = r.compute?.strings('nodePools') ?? [];
  const nodeRoleArn = r.compute?.str('nodeRoleArn');
  if (!enabled) {
    if (nodePools.length > 0 || nodeRoleArn !== undefined) {
      throw invalidParameter(
        'When Compute Config is disabled, nodeRoleArn and nodePools must not be provided.',
      );
    }
    return { compute: false, nodePools: [], blockStorage: false, elasticLoadBalancing: false };
  }
  for (const pool of nodePools) {
    if (!NODE_POOLS.includes(pool)) {
      throw invalidParameter(
        `Invalid nodePool ${pool}: the built-in node pools are ${NODE_POOLS.join(' and ')}.`,
      );
    }
  }
  if (nodePools.length > 0 && !nodeRoleArn) {
    throw invalidParameter(
      'When Compute Config nodeRoleArn is null or empty, nodePool list cannot be populated.',
    );
  }
  if (nodeRoleArn && nodePools.length === 0) {
    throw invalidParameter(
      'When Compute Config nodeRoleArn is not null or empty, nodePool value(s) must be provided.',
    );
  }
  if (current?.compute && current.nodeRoleArn && nodeRoleArn !== current.nodeRoleArn) {
    throw invalidParameter('The nodeRoleArn cannot be changed once EKS Auto Mode compute is enabled.');
  }
  return {
    compute: true,
    nodePools: [...new Set(nodePools)],
    ...(nodeRoleArn ? { nodeRoleArn } : {}),
    blockStorage: true,
    elasticLoadBalancing: true,
  };
}

/**
 * What enabling Auto Mode needs besides the request: access entries (not the ConfigMap mode), a
 * cluster role that eks.amazonaws.com may also tag sessions with, and a node role EC2 may assume.
 */
export function checkAutoModeRoles(
  ctx: EmulatorContext,
  c: Pick<Cluster, 'roleArn' | 'authenticationMode'>,
  mode: AutoMode,
  fail: (message: string) => AwsError,
): void {
  if (!mode.compute) return;
  if (c.authenticationMode === 'CONFIG_MAP') {
    throw fail(
      'EKS Auto Mode requires access entries: the authentication mode must be API or API_AND_CONFIG_MAP.',
    );
  }
  const role = ctx.iam.roleByArn(c.roleArn);
  if (!role || !ctx.iam.trustAllows(role, 'eks.amazonaws.com', 'sts:TagSession')) {
    throw fail(
      `Role with arn: ${c.roleArn}, could not be assumed because it does not exist or the trusted entity is not correct (EKS Auto Mode needs sts:TagSession in its trust policy)`,
    );
  }
  if (mode.nodeRoleArn) checkServiceRole(ctx, mode.nodeRoleArn, 'ec2.amazonaws.com');
}

function unchanged(a: AutoMode | undefined, b: AutoMode): boolean {
  return (
    JSON.stringify(
      a ?? { compute: false, nodePools: [], blockStorage: false, elasticLoadBalancing: false },
    ) === JSON.stringify(b)
  );
}

export const autoModeOps: Record<string, EksOp> = {
  UpdateClusterConfig(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.name!);
    const autoMode = ['computeConfig', 'storageConfig', 'kubernetesNetworkConfig'].some(
      (k) => k in body.data,
    );
    const other = Object.keys(body.data).filter(
      (k) =>
        ![
          'computeConfig',
          'storageConfig',
          'kubernetesNetworkConfig',
          'resourcesVpcConfig',
          'clientRequestToken',
        ].includes(k),
    );
    // EKS takes one kind of update per call (eks-endpoint.ts cites its answer).
    if ((autoMode ? 1 : 0) + ('resourcesVpcConfig' in body.data ? 1 : 0) + other.length > 1)
      throw invalidParameter('Only one type of update can be allowed.');
    if (other.length > 0) {
      throw invalidParameter(`The AWS emulator does not emulate UpdateClusterConfig of ${other.join(', ')}.`);
    }
    // The same clientRequestToken again is a retry of that update: answered, not applied again,
    // even when the cluster has drifted since (a caller must not reuse a token for a new change).
    const idem = replayedUpdate(
      c.updates.filter((u) => u.nodegroupName === undefined && u.addonName === undefined),
      body,
      labels,
    );
    if ('replay' in idem) return { update: updateView(ctx, idem.replay) };
    if ('resourcesVpcConfig' in body.data) {
      const update = Object.assign(updateEndpointAccess(ctx, c, body), idem.record);
      return { update: updateView(ctx, update) };
    }
    // Without computeConfig.enabled EKS cannot tell which update is meant.
    if (body.obj('computeConfig') && body.obj('computeConfig')?.bool('enabled') === undefined) {
      throw invalidParameter('The type for cluster update was not provided.');
    }
    const mode = readAutoMode(body, c.autoMode);
    if (!mode) throw invalidParameter('The type for cluster update was not provided.');
    const status = ctx.eks.status(c.lifecycle);
    if (status !== 'ACTIVE') {
      throw resourceInUse(
        `Cluster ${c.name} is in ${status} status; only an ACTIVE cluster can be updated.`,
        {
          clusterName: c.name,
        },
      );
    }
    if (unchanged(c.autoMode, mode)) throw invalidParameter('No changes needed');
    checkAutoModeRoles(ctx, c, mode, (m) => invalidRequest(m, { clusterName: c.name }));
    const now = ctx.clock.now();
    c.autoMode = mode;
    autoModeAccessEntries(ctx, c, now);
    c.lifecycle.updatingUntil = ctx.clock.after('clusterUpdate', now);
    const update = {
      id: ctx.random.uuid(),
      type: 'AutoModeUpdate',
      params: [
        { type: 'ComputeConfig', value: JSON.stringify(autoModeView(c).computeConfig) },
        { type: 'StorageConfig', value: JSON.stringify({ blockStorage: { enabled: mode.blockStorage } }) },
        {
          type: 'KubernetesNetworkConfig',
          value: JSON.stringify({ elasticLoadBalancing: { enabled: mode.elasticLoadBalancing } }),
        },
      ],
      createdAt: now,
      doneAt: c.lifecycle.updatingUntil,
      ...idem.record,
    };
    c.updates.push(update);
    return { update: updateView(ctx, update) };
  },
};
