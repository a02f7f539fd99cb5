// EKS add-ons: a small catalog (DescribeAddonVersions) and create/describe/list/update/delete.
// Version strings follow AWS's format; the exact numbers are illustrative, not a real catalog.

import { newLifecycle, startDelete } from './clock.js';
import type { EmulatorContext } from './context.js';
import {
  activeClusterOrThrow,
  clusterOrThrow,
  type EksOp,
  invalidParameter,
  listPage,
  readTags,
  replayed,
  replayedUpdate,
  requestFingerprint,
  resourceInUse,
  resourceNotFound,
} from './eks-common.js';
import {
  type AddonPodIdentity,
  applyAddonAssociations,
  deleteOwnedAssociations,
  readAddonAssociations,
} from './eks-addon-identity.js';
import type { Addon, Cluster } from './eks-store.js';
import { addonView, updateView } from './eks-views.js';

interface CatalogEntry {
  name: string;
  type: string;
  /** Newest first; the first one is the default. */
  versions: (k8s: string) => string[];
  /** Service accounts that may get a role through `podIdentityAssociations`. */
  podIdentity?: AddonPodIdentity;
}

const KUBE_SYSTEM = 'kube-system';

const COREDNS: Record<string, string> = {
  '1.29': 'v1.11.1',
  '1.30': 'v1.11.3',
  '1.31': 'v1.11.3',
  '1.32': 'v1.11.4',
  '1.33': 'v1.12.1',
  '1.34': 'v1.12.3',
  '1.35': 'v1.12.4',
};

const CATALOG: CatalogEntry[] = [
  {
    name: 'vpc-cni',
    type: 'networking',
    versions: () => ['v1.19.2-eksbuild.1', 'v1.18.6-eksbuild.1'],
    podIdentity: { namespace: KUBE_SYSTEM, serviceAccounts: ['aws-node'] },
  },
  {
    name: 'coredns',
    type: 'networking',
    versions: (k) => [`${COREDNS[k] ?? 'v1.11.4'}-eksbuild.2`, `${COREDNS[k] ?? 'v1.11.4'}-eksbuild.1`],
  },
  { name: 'kube-proxy', type: 'networking', versions: (k) => [`v${k}.3-eksbuild.2`, `v${k}.0-eksbuild.1`] },
  {
    name: 'eks-pod-identity-agent',
    type: 'security',
    versions: () => ['v1.3.4-eksbuild.1', 'v1.3.2-eksbuild.2'],
  },
  {
    name: 'aws-ebs-csi-driver',
    type: 'storage',
    versions: () => ['v1.38.1-eksbuild.2', 'v1.37.0-eksbuild.1'],
    podIdentity: { namespace: KUBE_SYSTEM, serviceAccounts: ['ebs-csi-controller-sa'] },
  },
  {
    name: 'aws-efs-csi-driver',
    type: 'storage',
    versions: () => ['v2.1.4-eksbuild.1'],
    podIdentity: { namespace: KUBE_SYSTEM, serviceAccounts: ['efs-csi-controller-sa', 'efs-csi-node-sa'] },
  },
  { name: 'snapshot-controller', type: 'storage', versions: () => ['v8.1.0-eksbuild.1'] },
  {
    name: 'amazon-cloudwatch-observability',
    type: 'observability',
    versions: () => ['v2.6.0-eksbuild.1'],
    podIdentity: { namespace: 'amazon-cloudwatch', serviceAccounts: ['cloudwatch-agent'] },
  },
];

function addonOrThrow(c: Cluster, name: string): Addon {
  const a = c.addons.get(name);
  if (!a)
    throw resourceNotFound(`No addon: ${name} found in cluster: ${c.name}`, {
      clusterName: c.name,
      addonName: name,
    });
  return a;
}

function versionFor(c: Cluster, name: string, requested: string | undefined): string {
  const entry = CATALOG.find((e) => e.name === name);
  if (!entry)
    throw invalidParameter(`Addon ${name} specified is not supported in ${c.version} kubernetes version`);
  const versions = entry.versions(c.version);
  const version = requested ?? versions[0]!;
  if (!versions.includes(version)) {
    throw invalidParameter(
      `Addon version specified (${version}) is not supported for ${name} on Kubernetes ${c.version}`,
    );
  }
  return version;
}

function checkServiceAccountRole(ctx: EmulatorContext, arn: string | undefined): void {
  if (arn !== undefined && !ctx.iam.roleByArn(arn)) {
    throw invalidParameter(`Role with arn: ${arn}, could not be assumed because it does not exist`);
  }
}

export const addonOps: Record<string, EksOp> = {
  DescribeAddonVersions(ctx, input) {
    const k8s = input.query.get('kubernetesVersion') ?? undefined;
    const only = input.query.get('addonName') ?? undefined;
    const entries = CATALOG.filter((e) => only === undefined || e.name === only);
    const page = listPage(entries, input, `addon-versions:${k8s}:${only}`);
    // AWS lists no add-on builds for a Kubernetes version EKS does not offer.
    const offered = ctx.eksVersions.offered(ctx.clock.now()).map((v) => v.version);
    const clusterVersions = k8s ? offered.filter((v) => v === k8s) : offered;
    return {
      addons: page.items.map((e) => ({
        addonName: e.name,
        type: e.type,
        publisher: 'eks',
        owner: 'aws',
        addonVersions: [...new Set(clusterVersions.flatMap((v) => e.versions(v)))].map((addonVersion) => ({
          addonVersion,
          architecture: ['amd64', 'arm64'],
          compatibilities: clusterVersions
            .filter((v) => e.versions(v).includes(addonVersion))
            .map((clusterVersion) => ({
              clusterVersion,
              platformVersions: ['*'],
              defaultVersion: e.versions(clusterVersion)[0] === addonVersion,
            })),
          requiresConfiguration: false,
        })),
      })),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },

  CreateAddon(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    const name = body.required('addonName');
    const existing = c.addons.get(name);
    const again = replayed(existing, body, labels);
    if (again) return { addon: addonView(ctx, again) };
    if (existing) throw resourceInUse('Addon already exists.', { clusterName: c.name, addonName: name });
    activeClusterOrThrow(ctx, c.name);
    const version = versionFor(c, name, body.str('addonVersion'));
    const identity = CATALOG.find((e) => e.name === name)?.podIdentity;
    const associations = readAddonAssociations(ctx, c, { name, version }, identity, body);
    const serviceAccountRoleArn = body.str('serviceAccountRoleArn');
    checkServiceAccountRole(ctx, serviceAccountRoleArn);
    const configurationValues = body.str('configurationValues');
    const token = body.str('clientRequestToken');
    const addon: Addon = {
      name,
      arn: `arn:aws:eks:${ctx.region}:${ctx.accountId}:addon/${c.name}/${name}/${ctx.random.uuid()}`,
      clusterName: c.name,
      version,
      lifecycle: newLifecycle(ctx.clock, 'addonCreate'),
      tags: readTags(body),
      fingerprint: requestFingerprint(body, labels),
      ...(serviceAccountRoleArn !== undefined ? { serviceAccountRoleArn } : {}),
      ...(configurationValues !== undefined ? { configurationValues } : {}),
      ...(token !== undefined ? { clientRequestToken: token } : {}),
    };
    const failure = ctx.lifecycleFaults.take('addon', name);
    if (failure) addon.lifecycle.failure = failure;
    c.addons.set(name, addon);
    if (identity && associations) applyAddonAssociations(ctx, c, addon, identity, associations);
    return { addon: addonView(ctx, addon) };
  },

  DescribeAddon(ctx, { labels }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    return { addon: addonView(ctx, addonOrThrow(c, labels.addonName!)) };
  },

  ListAddons(ctx, input) {
    const c = clusterOrThrow(ctx, input.labels.clusterName!);
    const page = listPage([...c.addons.keys()], input, `addons:${c.name}`);
    return { addons: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  UpdateAddon(ctx, { labels, body }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    const a = addonOrThrow(c, labels.addonName!);
    const status = ctx.eks.status(a.lifecycle);
    if (status === 'CREATING' || status === 'DELETING' || status === 'UPDATING') {
      throw resourceInUse(`Addon ${a.name} cannot be updated in status ${status}.`, {
        clusterName: c.name,
        addonName: a.name,
      });
    }
    // The same clientRequestToken again is a retry of that update: answered, not applied again.
    const idem = replayedUpdate(
      c.updates.filter((u) => u.addonName === a.name),
      body,
      labels,
    );
    if ('replay' in idem) return { update: updateView(ctx, idem.replay) };
    const params: { type: string; value: string }[] = [];
    const version = body.str('addonVersion');
    if (version !== undefined && version !== a.version) {
      a.version = versionFor(c, a.name, version);
      params.push({ type: 'AddonVersion', value: version });
    }
    const role = body.str('serviceAccountRoleArn');
    if (role !== undefined && role !== a.serviceAccountRoleArn) {
      checkServiceAccountRole(ctx, role);
      a.serviceAccountRoleArn = role;
      params.push({ type: 'ServiceAccountRoleArn', value: role });
    }
    const config = body.str('configurationValues');
    if (config !== undefined && config !== a.configurationValues) {
      a.configurationValues = config;
      params.push({ type: 'ConfigurationValues', value: config });
    }
    const identity = CATALOG.find((e) => e.name === a.name)?.podIdentity;
    const associations = readAddonAssociations(ctx, c, a, identity, body);
    if (associations) {
      // The list replaces every association the add-on owns; [] removes them all.
      if (identity) applyAddonAssociations(ctx, c, a, identity, associations);
      params.push({ type: 'PodIdentityAssociations', value: JSON.stringify(associations) });
    }
    const resolve = body.str('resolveConflicts');
    if (resolve !== undefined) params.push({ type: 'ResolveConflicts', value: resolve });
    const now = ctx.clock.now();
    // A failed add-on gets a fresh chance: the update restarts its lifecycle towards ACTIVE.
    delete a.lifecycle.failure;
    a.lifecycle.updatingUntil = ctx.clock.after('addonUpdate', now);
    const update = {
      id: ctx.random.uuid(),
      type: 'AddonUpdate',
      params,
      createdAt: now,
      doneAt: a.lifecycle.updatingUntil,
      addonName: a.name,
      ...idem.record,
    };
    c.updates.push(update);
    return { update: updateView(ctx, update) };
  },

  DeleteAddon(ctx, { labels, query }) {
    const c = clusterOrThrow(ctx, labels.clusterName!);
    const a = addonOrThrow(c, labels.addonName!);
    // `preserve` keeps what the add-on put in the cluster, its pod identity associations too.
    if (query.get('preserve') !== 'true') deleteOwnedAssociations(c, a);
    startDelete(a.lifecycle, ctx.clock, 'addonDelete');
    return { addon: addonView(ctx, a) };
  },
};
