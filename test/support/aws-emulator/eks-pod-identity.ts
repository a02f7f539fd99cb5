// EKS Pod Identity associations: which IAM role the pods of a service account receive. Create,
// describe, list, update and delete, with EKS's checks (an ACTIVE cluster, one association per
// namespace + service account, a role in the cluster's account whose trust policy lets
// pods.eks.amazonaws.com both assume it and tag the session). Add-ons own the associations they
// create (ownerArn); see eks-addon-identity.ts.

import type { EmulatorContext } from './context.js';
import {
  activeClusterOrThrow,
  clusterOrThrow,
  type EksOp,
  invalidParameter,
  listPage,
  readTags,
  replayed,
  requestFingerprint,
  resourceInUse,
  resourceNotFound,
} from './eks-common.js';
import type { Cluster, PodIdentityAssociation } from './eks-store.js';
import { epoch } from './eks-views.js';
import { AwsError } from './errors.js';
import { parsePolicyDocument } from './iam-policy-doc.js';
import type { JsonInput } from './json-input.js';

export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';
/** EKS's quota on associations per cluster (not adjustable; EKS User Guide, service quotas). */
const MAX_PER_CLUSTER = 1000;
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ROLE_ARN_RE = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;

/** Namespace and service account must be valid Kubernetes names; they need not exist yet. */
export function checkKubernetesNames(namespace: string, serviceAccount: string): void {
  if (namespace.length > 63 || !LABEL_RE.test(namespace)) {
    throw invalidParameter(`The namespace ${namespace} is not a valid Kubernetes namespace name.`);
  }
  if (serviceAccount.length > 253 || !SUBDOMAIN_RE.test(serviceAccount)) {
    throw invalidParameter(
      `The service account ${serviceAccount} is not a valid Kubernetes service account name.`,
    );
  }
}

/**
 * The role a pod identity association may name: in the cluster's account, existing, and trusting
 * pods.eks.amazonaws.com with both sts:AssumeRole and sts:TagSession (the agent tags every session).
 */
export function checkPodIdentityRole(ctx: EmulatorContext, roleArn: string): void {
  const m = ROLE_ARN_RE.exec(roleArn);
  if (!m) throw invalidParameter(`The role ARN ${roleArn} is not valid.`);
  if (m[1] !== ctx.accountId) {
    throw invalidParameter(`The role ${roleArn} must be in the same AWS account as the cluster.`);
  }
  const role = ctx.iam.roleByArn(roleArn);
  if (!role) throw invalidParameter(`Role ${roleArn} does not exist.`);
  const trusted = ['sts:AssumeRole', 'sts:TagSession'].every((a) =>
    ctx.iam.trustAllows(role, POD_IDENTITY_PRINCIPAL, a),
  );
  if (!trusted) throw invalidParameter('Trust policy of the role provided is invalid.');
}

function checkTargetRole(targetRoleArn: string | undefined): void {
  if (targetRoleArn !== undefined && !ROLE_ARN_RE.test(targetRoleArn)) {
    throw invalidParameter(`The target role ARN ${targetRoleArn} is not valid.`);
  }
}

/** An inline session policy narrows the role; AWS requires session tags off with it. */
function checkSessionPolicy(policy: string | undefined, disableSessionTags: boolean | undefined): void {
  if (policy === undefined) return;
  if (disableSessionTags !== true) {
    throw invalidParameter('disableSessionTags must be set to true when a policy is specified.');
  }
  try {
    parsePolicyDocument(policy, 'permissions');
  } catch (e) {
    throw invalidParameter(`The policy is not valid: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Association ids are 'a-' and 17 lower-case letters and digits. */
function newId(ctx: EmulatorContext): string {
  return `a-${ctx.random.alnum(17).toLowerCase()}`;
}

export function findAssociation(
  c: Cluster,
  namespace: string,
  serviceAccount: string,
): PodIdentityAssociation | undefined {
  for (const a of c.podIdentityAssociations.values()) {
    if (a.namespace === namespace && a.serviceAccount === serviceAccount) return a;
  }
  return undefined;
}

export function alreadyExists(a: PodIdentityAssociation): AwsError {
  return resourceInUse(`Association already exists: ${a.id}`, { clusterName: a.clusterName });
}

export function addAssociation(
  ctx: EmulatorContext,
  c: Cluster,
  fields: Pick<PodIdentityAssociation, 'namespace' | 'serviceAccount' | 'roleArn' | 'tags' | 'fingerprint'> &
    Partial<PodIdentityAssociation>,
): PodIdentityAssociation {
  if (c.podIdentityAssociations.size >= MAX_PER_CLUSTER) {
    throw new AwsError(
      'ResourceLimitExceededException',
      `Cluster ${c.name} already has ${MAX_PER_CLUSTER} pod identity associations.`,
      400,
      { clusterName: c.name },
    );
  }
  const id = newId(ctx);
  const now = ctx.clock.now();
  const a: PodIdentityAssociation = {
    ...fields,
    id,
    arn: `arn:aws:eks:${ctx.region}:${ctx.accountId}:podidentityassociation/${c.name}/${id}`,
    clusterName: c.name,
    createdAt: now,
    modifiedAt: now,
  };
  c.podIdentityAssociations.set(id, a);
  return a;
}

export function associationView(a: PodIdentityAssociation): Record<string, unknown> {
  return {
    clusterName: a.clusterName,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    roleArn: a.roleArn,
    associationArn: a.arn,
    associationId: a.id,
    tags: { ...a.tags },
    createdAt: epoch(a.createdAt),
    modifiedAt: epoch(a.modifiedAt),
    ...(a.ownerArn !== undefined ? { ownerArn: a.ownerArn } : {}),
    ...(a.disableSessionTags !== undefined ? { disableSessionTags: a.disableSessionTags } : {}),
    ...(a.targetRoleArn !== undefined ? { targetRoleArn: a.targetRoleArn, externalId: a.externalId } : {}),
    ...(a.policy !== undefined ? { policy: a.policy } : {}),
  };
}

function summaryView(a: PodIdentityAssociation): Record<string, unknown> {
  return {
    clusterName: a.clusterName,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    associationArn: a.arn,
    associationId: a.id,
    ...(a.ownerArn !== undefined ? { ownerArn: a.ownerArn } : {}),
  };
}

function associationOrThrow(c: Cluster, id: string): PodIdentityAssociation {
  if (id.length !== 19) throw invalidParameter('The parameter associationId should be 19 characters long.');
  const a = c.podIdentityAssociations.get(id);
  if (!a) {
    throw resourceNotFound(`No pod identity association found for id: ${id}.`, { clusterName: c.name });
  }
  return a;
}

function optionalFields(body: JsonInput): Partial<PodIdentityAssociation> {
  const targetRoleArn = body.str('targetRoleArn');
  const disableSessionTags = body.bool('disableSessionTags');
  const policy = body.str('policy');
  checkTargetRole(targetRoleArn);
  checkSessionPolicy(policy, disableSessionTags);
  return {
    ...(targetRoleArn !== undefined ? { targetRoleArn } : {}),
    ...(disableSessionTags !== undefined ? { disableSessionTags } : {}),
    ...(policy !== undefined ? { policy } : {}),
  };
}

export const podIdentityOps: Record<string, EksOp> = {
  CreatePodIdentityAssociation(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.name!);
    const namespace = body.required('namespace');
    const serviceAccount = body.required('serviceAccount');
    const existing = findAssociation(c, namespace, serviceAccount);
    const again = replayed(existing, body, labels);
    if (again) return { association: associationView(again) };
    activeClusterOrThrow(ctx, c.name);
    checkKubernetesNames(namespace, serviceAccount);
    const roleArn = body.required('roleArn');
    checkPodIdentityRole(ctx, roleArn);
    const optional = optionalFields(body);
    const tags = readTags(body);
    if (existing) throw alreadyExists(existing);
    const token = body.str('clientRequestToken');
    const a = addAssociation(ctx, c, {
      namespace,
      serviceAccount,
      roleArn,
      tags,
      fingerprint: requestFingerprint(body, labels),
      ...optional,
      ...(optional.targetRoleArn !== undefined ? { externalId: ctx.random.uuid() } : {}),
      ...(token !== undefined ? { clientRequestToken: token } : {}),
    });
    return { association: associationView(a) };
  },

  DescribePodIdentityAssociation(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.name!);
    return { association: associationView(associationOrThrow(c, labels.associationId!)) };
  },

  ListPodIdentityAssociations(ctx, input) {
    const c = clusterOrThrow(ctx, input.labels.name!);
    const namespace = input.query.get('namespace');
    const serviceAccount = input.query.get('serviceAccount');
    const matching = [...c.podIdentityAssociations.values()].filter(
      (a) =>
        (namespace === null || a.namespace === namespace) &&
        (serviceAccount === null || a.serviceAccount === serviceAccount),
    );
    const page = listPage(matching, input, `pod-identity:${c.name}:${namespace}:${serviceAccount}`);
    return {
      associations: page.items.map(summaryView),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },

  UpdatePodIdentityAssociation(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.name!);
    const a = associationOrThrow(c, labels.associationId!);
    const roleArn = body.str('roleArn');
    if (['roleArn', 'targetRoleArn', 'disableSessionTags', 'policy'].every((k) => !body.has(k))) {
      throw invalidParameter(
        'At least one of roleArn, targetRoleArn, disableSessionTags or policy must be given.',
      );
    }
    if (roleArn !== undefined) checkPodIdentityRole(ctx, roleArn);
    const targetRoleArn = body.str('targetRoleArn');
    checkTargetRole(targetRoleArn);
    const disableSessionTags = body.bool('disableSessionTags') ?? a.disableSessionTags;
    const policy = body.has('policy') ? body.str('policy') : a.policy;
    checkSessionPolicy(policy === '' ? undefined : policy, disableSessionTags);
    if (roleArn !== undefined) a.roleArn = roleArn;
    // An empty target role removes it (and the external id that went with it).
    if (targetRoleArn === '') {
      delete a.targetRoleArn;
      delete a.externalId;
    } else if (targetRoleArn !== undefined) {
      if (a.targetRoleArn === undefined) a.externalId = ctx.random.uuid();
      a.targetRoleArn = targetRoleArn;
    }
    if (disableSessionTags !== undefined) a.disableSessionTags = disableSessionTags;
    if (policy === '' || policy === undefined) delete a.policy;
    else a.policy = policy;
    a.modifiedAt = ctx.clock.now();
    return { association: associationView(a) };
  },

  DeletePodIdentityAssociation(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.name!);
    // Add-on owned associations may be deleted directly too (EKS User Guide, add-ons IAM).
    const a = associationOrThrow(c, labels.associationId!);
    c.podIdentityAssociations.delete(a.id);
    return { association: associationView(a) };
  },
};
