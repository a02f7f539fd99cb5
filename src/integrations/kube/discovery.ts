/**
 * API discovery, once per run and only for the group-versions a run touches: kind -> resource
 * name and whether it is namespaced. A group-version the server does not serve (yet) is asked
 * again when `refresh` says so, because a CRD applied a moment ago reaches discovery shortly
 * after it is Established.
 */
import { GitopsError } from '../../primitives/errors.js';
import { isApiStatus, type KubeHttp } from './http.js';
import { groupOf, isRecord, versionOf } from './object.js';

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs: deployments, gitrepositories. */
  resource: string;
  namespaced: boolean;
  verbs: readonly string[];
  /** Status is written through /status, so an apply to the object itself leaves it alone. */
  statusSubresource: boolean;
}

/** The API server does not serve this kind (its CRD is not installed, or not this version). */
export class KindNotServed extends GitopsError {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super('GITOPS_KUBE', 'user', `the cluster does not serve kind ${kind} in ${apiVersion}`, {
      hint: 'is the CustomResourceDefinition installed, and is this apiVersion one it serves?',
    });
  }
}

/** Whether an error, or one it wraps, says a kind is not served. */
export function isKindNotServed(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 5; cur = cur.cause, depth++)
    if (cur instanceof KindNotServed) return true;
  return false;
}

export class Discovery {
  private readonly http: KubeHttp;
  private readonly byGroupVersion = new Map<string, Promise<Map<string, ResourceInfo>>>();
  /** Resources known without asking: CRDs in the set being applied. */
  private readonly taught = new Map<string, ResourceInfo>();
  private readonly byGroup = new Map<string, Promise<string[]>>();
  private readonly groupsAtOnce: boolean;
  private allGroups: Promise<Map<string, string[]>> | undefined;

  /**
   * `groupsAtOnce`: learn every group's versions from one read of /apis rather than one read per
   * group, for a short run that only reads (status): a group that appears after that read (a CRD
   * applied meanwhile) is not seen, which a run that installs CRDs could not afford.
   */
  constructor(http: KubeHttp, options: { groupsAtOnce?: boolean } = {}) {
    this.http = http;
    this.groupsAtOnce = options.groupsAtOnce === true;
  }

  /** Kinds of one group-version; an empty map when the server does not serve it. */
  async groupVersion(apiVersion: string, refresh = false): Promise<Map<string, ResourceInfo>> {
    let entry = this.byGroupVersion.get(apiVersion);
    if (!entry || refresh) {
      entry = this.fetch(apiVersion);
      this.byGroupVersion.set(apiVersion, entry);
      // A failed fetch must not poison the cache for the rest of the run.
      entry.catch(() => this.byGroupVersion.delete(apiVersion));
    }
    return await entry;
  }

  async find(apiVersion: string, kind: string, refresh = false): Promise<ResourceInfo | undefined> {
    const known = (await this.groupVersion(apiVersion, refresh)).get(kind);
    return known ?? this.taught.get(`${apiVersion}/${kind}`);
  }

  /** Like find, but a kind the server does not serve is the user's error, named. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = (await this.find(apiVersion, kind)) ?? (await this.find(apiVersion, kind, true));
    if (!info) throw new KindNotServed(apiVersion, kind);
    return info;
  }

  /**
   * The versions the server serves for a group, its preferred one first (the order of its
   * discovery document); empty when it does not serve the group. A few hundred bytes, where a
   * group's CustomResourceDefinition is tens of kilobytes.
   */
  async groupVersions(group: string): Promise<string[]> {
    if (this.groupsAtOnce) return (await this.groups()).get(group) ?? [];
    let entry = this.byGroup.get(group);
    if (!entry) {
      entry = this.fetchGroup(group);
      this.byGroup.set(group, entry);
      entry.catch(() => this.byGroup.delete(group));
    }
    return await entry;
  }

  /** The first of the group's versions, preferred first, that serves the kind. */
  async servedVersion(group: string, kind: string): Promise<string | undefined> {
    for (const version of await this.groupVersions(group))
      if (await this.find(`${group}/${version}`, kind)) return version;
    return undefined;
  }

  private async fetchGroup(group: string): Promise<string[]> {
    let body: unknown;
    try {
      body = (await this.http.request({ method: 'GET', path: `/apis/${group}` })).body;
    } catch (e) {
      if (isApiStatus(e, 404)) return [];
      throw e;
    }
    return versionsOf(body);
  }

  /** Every group the server serves (APIGroupList), with its versions, read once. */
  private groups(): Promise<Map<string, string[]>> {
    if (!this.allGroups) {
      const asked = this.http.request({ method: 'GET', path: '/apis' }).then(({ body }) => {
        const list = isRecord(body) && Array.isArray(body.groups) ? body.groups : [];
        return new Map(
          list.flatMap((g) => (isRecord(g) && typeof g.name === 'string' ? [[g.name, versionsOf(g)]] : [])),
        );
      });
      this.allGroups = asked;
      asked.catch(() => {
        if (this.allGroups === asked) this.allGroups = undefined;
      });
    }
    return this.allGroups;
  }

  /** Records what a CRD declares, so its objects can be applied before discovery catches up. */
  teach(info: ResourceInfo): void {
    const apiVersion = info.group === '' ? info.version : `${info.group}/${info.version}`;
    this.taught.set(`${apiVersion}/${info.kind}`, info);
  }

  private async fetch(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const out = new Map<string, ResourceInfo>();
    let body: unknown;
    try {
      body = (await this.http.request({ method: 'GET', path })).body;
    } catch (e) {
      if (isApiStatus(e, 404)) return out;
      throw e;
    }
    const resources = isRecord(body) && Array.isArray(body.resources) ? body.resources : [];
    const withStatus = new Set(
      resources
        .filter(isRecord)
        .flatMap((r) =>
          typeof r.name === 'string' && r.name.endsWith('/status') ? [r.name.slice(0, -7)] : [],
        ),
    );
    for (const r of resources) {
      if (!isRecord(r) || typeof r.name !== 'string' || typeof r.kind !== 'string') continue;
      if (r.name.includes('/')) continue; // subresources: deployments/status, pods/log
      out.set(r.kind, {
        group: groupOf(apiVersion),
        version: versionOf(apiVersion),
        kind: r.kind,
        resource: r.name,
        namespaced: r.namespaced === true,
        verbs: Array.isArray(r.verbs) ? r.verbs.filter((v): v is string => typeof v === 'string') : [],
        statusSubresource: withStatus.has(r.name),
      });
    }
    return out;
  }
}

/** An APIGroup's versions, its preferred one first. */
function versionsOf(group: unknown): string[] {
  if (!isRecord(group)) return [];
  const version = (v: unknown) => (isRecord(v) && typeof v.version === 'string' ? [v.version] : []);
  const preferred = version(group.preferredVersion);
  const all = Array.isArray(group.versions) ? group.versions.flatMap(version) : [];
  return [...new Set([...preferred, ...all])];
}

/** The URL path of a collection or, with a name, of one object. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const root = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${root}${ns}/${info.resource}${tail}`;
}

/** What a CustomResourceDefinition object declares, one entry per served version. */
export function resourcesOfCrd(crd: unknown): ResourceInfo[] {
  const spec = isRecord(crd) && isRecord(crd.spec) ? crd.spec : undefined;
  const names = spec && isRecord(spec.names) ? spec.names : undefined;
  if (!spec || !names || typeof spec.group !== 'string') return [];
  if (typeof names.kind !== 'string' || typeof names.plural !== 'string') return [];
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  const out: ResourceInfo[] = [];
  for (const v of versions) {
    if (!isRecord(v) || typeof v.name !== 'string' || v.served === false) continue;
    out.push({
      group: spec.group,
      version: v.name,
      kind: names.kind,
      resource: names.plural,
      namespaced: spec.scope !== 'Cluster',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      statusSubresource: isRecord(v.subresources) && v.subresources.status !== undefined,
    });
  }
  return out;
}
