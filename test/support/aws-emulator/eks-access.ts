// EKS access entries and access policy associations: who may use the cluster's Kubernetes API.
// The token-review webhook maps callers to Kubernetes users through these.

import type { EmulatorContext } from './context.js';
import {
  clusterOrThrow,
  type EksOp,
  invalidParameter,
  invalidRequest,
  listPage,
  readTags,
  replayed,
  requestFingerprint,
  resourceInUse,
  resourceNotFound,
} from './eks-common.js';
import type { AccessEntry, Cluster } from './eks-store.js';
import { accessEntryView, associationView } from './eks-views.js';
import type { Caller } from './identities.js';

export const CLUSTER_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const ACCESS_POLICIES = [
  'AmazonEKSClusterAdminPolicy',
  'AmazonEKSAdminPolicy',
  'AmazonEKSEditPolicy',
  'AmazonEKSViewPolicy',
  'AmazonEKSAdminViewPolicy',
  // EKS Auto Mode's (EKS User Guide, access policy reference).
  'AmazonEKSAutoNodePolicy',
  'AmazonEKSBlockStoragePolicy',
  'AmazonEKSLoadBalancingPolicy',
  'AmazonEKSNetworkingPolicy',
  'AmazonEKSComputePolicy',
  'AmazonEKSBlockStorageClusterPolicy',
  'AmazonEKSComputeClusterPolicy',
  'AmazonEKSLoadBalancingClusterPolicy',
  'AmazonEKSNetworkingClusterPolicy',
].map((name) => ({ name, arn: `arn:aws:eks::aws:cluster-access-policy/${name}` }));
const AUTO_NODE_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy';
const ENTRY_TYPES = [
  'STANDARD',
  'EC2_LINUX',
  'EC2_WINDOWS',
  'FARGATE_LINUX',
  'EC2',
  'HYBRID_LINUX',
  'HYPERPOD_LINUX',
];
const PRINCIPAL_RE = /^arn:aws:iam::(\d{12}):(role|user)\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

/** EKS's default username: the user ARN, or the assumed-role session ARN template for roles. */
function defaultUsername(principalArn: string): string {
  const m = PRINCIPAL_RE.exec(principalArn);
  if (!m || m[2] === 'user') return principalArn;
  return `arn:aws:sts::${m[1]}:assumed-role/${m[3]}/{{SessionName}}`;
}

export function newAccessEntry(
  ctx: EmulatorContext,
  c: Cluster,
  principalArn: string,
  now: number,
): AccessEntry {
  const m = PRINCIPAL_RE.exec(principalArn);
  return {
    principalArn,
    arn: `arn:aws:eks:${ctx.region}:${ctx.accountId}:access-entry/${c.name}/${m?.[2] ?? 'user'}/${m?.[1] ?? ctx.accountId}/${m?.[3] ?? 'principal'}/${ctx.random.uuid()}`,
    username: defaultUsername(principalArn),
    kubernetesGroups: [],
    type: 'STANDARD',
    tags: {},
    createdAt: now,
    modifiedAt: now,
    policies: new Map(),
    fingerprint: '',
  };
}

export function creatorAccessEntry(
  ctx: EmulatorContext,
  c: Cluster,
  caller: Caller,
  now: number,
): AccessEntry {
  const entry = newAccessEntry(ctx, c, caller.canonicalArn, now);
  entry.policies.set(CLUSTER_ADMIN_POLICY, {
    policyArn: CLUSTER_ADMIN_POLICY,
    accessScope: { type: 'cluster', namespaces: [] },
    associatedAt: now,
    modifiedAt: now,
  });
  return entry;
}

function entryOrThrow(c: Cluster, principalArn: string): AccessEntry {
  const e = c.accessEntries.get(principalArn);
  if (!e) {
    throw resourceNotFound(
      `The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.`,
      {
        clusterName: c.name,
      },
    );
  }
  return e;
}

/** The entries EKS made for Auto Mode can be looked at, not changed. */
function changeable(e: AccessEntry, clusterName: string): AccessEntry {
  if (e.managedBy === 'auto-mode') {
    throw invalidRequest(
      `The access entry for ${e.principalArn} is managed by EKS Auto Mode and cannot be modified.`,
      {
        clusterName,
      },
    );
  }
  return e;
}

function apiCluster(ctx: EmulatorContext, name: string): Cluster {
  const c = clusterOrThrow(ctx, name);
  if (c.authenticationMode === 'CONFIG_MAP') {
    throw invalidRequest(
      `The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.`,
      {
        clusterName: name,
      },
    );
  }
  if (ctx.eks.status(c.lifecycle) === 'DELETING')
    throw resourceInUse(`Cluster ${name} is being deleted.`, { clusterName: name });
  return c;
}

function readGroups(groups: string[] | undefined): string[] {
  for (const g of groups ?? []) {
    if (g.startsWith('system:')) {
      throw invalidParameter(`The kubernetes group name ${g} is invalid, it cannot start with system:`);
    }
  }
  return [...(groups ?? [])];
}

export const accessOps: Record<string, EksOp> = {
  CreateAccessEntry(ctx, { labels, body }) {
    const c = apiCluster(ctx, labels.clusterName!);
    const principalArn = body.required('principalArn');
    const m = PRINCIPAL_RE.exec(principalArn);
    if (!m)
      throw invalidParameter(`The specified principalArn is invalid: invalid principal ${principalArn}`);
    if (m[2] === 'role' && m[1] === ctx.accountId && !ctx.iam.roleByArn(principalArn)) {
      throw invalidParameter(`The specified principalArn is invalid: role ${principalArn} does not exist`);
    }
    const existing = c.accessEntries.get(principalArn);
    const again = replayed(existing, body, labels);
    if (again) return { accessEntry: accessEntryView(c.name, again) };
    if (existing) {
      throw resourceInUse('The specified access entry resource is already in use on this cluster.', {
        clusterName: c.name,
      });
    }
    const type = body.str('type') ?? 'STANDARD';
    if (!ENTRY_TYPES.includes(type)) throw invalidParameter(`Invalid access entry type ${type}`);
    // Node-like entries get their Kubernetes identity from EKS (EKS User Guide, access entries).
    if (type !== 'STANDARD') {
      if ((body.strings('kubernetesGroups') ?? []).length > 0) {
        throw invalidParameter(`kubernetesGroups cannot be specified for an access entry of type ${type}.`);
      }
      if (body.has('username'))
        throw invalidParameter(`username cannot be specified for an access entry of type ${type}.`);
      if (m[2] !== 'role' || m[1] !== ctx.accountId) {
        throw invalidParameter(`An access entry of type ${type} needs an IAM role in the cluster's account.`);
      }
    }
    const entry = newAccessEntry(ctx, c, principalArn, ctx.clock.now());
    entry.kubernetesGroups = readGroups(body.strings('kubernetesGroups'));
    entry.username =
      body.str('username') ?? (type === 'STANDARD' ? entry.username : 'system:node:{{EC2PrivateDNSName}}');
    entry.type = type;
    entry.tags = readTags(body);
    entry.fingerprint = requestFingerprint(body, labels);
    const token = body.str('clientRequestToken');
    if (token !== undefined) entry.clientRequestToken = token;
    c.accessEntries.set(principalArn, entry);
    return { accessEntry: accessEntryView(c.name, entry) };
  },

  DescribeAccessEntry(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    return { accessEntry: accessEntryView(c.name, entryOrThrow(c, labels.principalArn!)) };
  },

  UpdateAccessEntry(ctx, { labels, body }) {
    const c = apiCluster(ctx, labels.clusterName!);
    const e = changeable(entryOrThrow(c, labels.principalArn!), c.name);
    if (body.has('kubernetesGroups')) e.kubernetesGroups = readGroups(body.strings('kubernetesGroups'));
    e.username = body.str('username') ?? e.username;
    e.modifiedAt = ctx.clock.now();
    return { accessEntry: accessEntryView(c.name, e) };
  },

  ListAccessEntries(ctx, input) {
    const c = clusterOrThrow(ctx, input.labels.clusterName!);
    const policy = input.query.get('associatedPolicyArn');
    const arns = [...c.accessEntries.values()]
      .filter((e) => !policy || e.policies.has(policy))
      .map((e) => e.principalArn);
    const page = listPage(arns, input, `access:${c.name}:${policy ?? ''}`);
    return { accessEntries: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  DeleteAccessEntry(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    changeable(entryOrThrow(c, labels.principalArn!), c.name);
    c.accessEntries.delete(labels.principalArn!);
    return {};
  },

  AssociateAccessPolicy(ctx, { labels, body }) {
    const c = apiCluster(ctx, labels.clusterName!);
    const e = changeable(entryOrThrow(c, labels.principalArn!), c.name);
    const policyArn = body.required('policyArn');
    if (!ACCESS_POLICIES.some((p) => p.arn === policyArn))
      throw invalidParameter(`The specified policyArn is invalid: ${policyArn}`);
    // Only STANDARD entries take access policies, except Auto Mode node roles (type EC2), which
    // need AmazonEKSAutoNodePolicy.
    if (e.type !== 'STANDARD' && !(e.type === 'EC2' && policyArn === AUTO_NODE_POLICY)) {
      throw invalidParameter(
        `Access policy ${policyArn} cannot be associated with an access entry of type ${e.type}.`,
      );
    }
    const scope = body.obj('accessScope');
    const type = scope?.str('type') ?? '';
    const namespaces = scope?.strings('namespaces') ?? [];
    if (type !== 'cluster' && type !== 'namespace')
      throw invalidParameter('accessScope.type must be cluster or namespace.');
    if ((type === 'cluster') !== (namespaces.length === 0)) {
      throw invalidParameter(
        'accessScope.namespaces must be given exactly when accessScope.type is namespace.',
      );
    }
    const now = ctx.clock.now();
    const prior = e.policies.get(policyArn);
    const association = {
      policyArn,
      accessScope: { type, namespaces },
      associatedAt: prior?.associatedAt ?? now,
      modifiedAt: now,
    };
    e.policies.set(policyArn, association);
    return {
      clusterName: c.name,
      principalArn: e.principalArn,
      associatedAccessPolicy: associationView(association),
    };
  },

  ListAssociatedAccessPolicies(ctx, input) {
    const c = clusterOrThrow(ctx, input.labels.clusterName!);
    const e = entryOrThrow(c, input.labels.principalArn!);
    const page = listPage([...e.policies.values()], input, `assoc:${c.name}:${e.principalArn}`);
    return {
      clusterName: c.name,
      principalArn: e.principalArn,
      associatedAccessPolicies: page.items.map(associationView),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },

  DisassociateAccessPolicy(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    const e = changeable(entryOrThrow(c, labels.principalArn!), c.name);
    e.policies.delete(labels.policyArn!);
    return {};
  },

  ListAccessPolicies(_ctx, input) {
    const page = listPage(ACCESS_POLICIES, input, 'access-policies');
    return { accessPolicies: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },
};

export interface KubeUser {
  username: string;
  uid: string;
  groups: string[];
}

/** The Kubernetes identity EKS gives this caller on this cluster, if any access entry admits it. */
export function kubeUserFor(c: Cluster, caller: Caller): KubeUser | undefined {
  if (c.authenticationMode === 'CONFIG_MAP') return undefined;
  const entry = c.accessEntries.get(caller.canonicalArn);
  if (!entry) return undefined;
  const groups = [...entry.kubernetesGroups];
  // No EKS authorizer runs in front of the test apiserver, so cluster-admin is expressed the
  // classic way, through the group RBAC binds to cluster-admin.
  if (entry.policies.has(CLUSTER_ADMIN_POLICY)) groups.unshift('system:masters');
  const session = caller.sessionName ?? '';
  return {
    username: entry.username.replace('{{SessionName}}', session).replace('{{AccountID}}', caller.accountId),
    uid: `aws-iam-authenticator:${caller.accountId}:${caller.userId.split(':')[0]}`,
    groups,
  };
}
