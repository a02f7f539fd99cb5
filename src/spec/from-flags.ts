/**
 * Builds the cluster spec from `gitops.yaml` (optional) and flags. Flags override the file.
 * Each flag is checked on its own first, so an error names the flag the user typed
 * (`--cluster "bad name!": ...`); the merged result is then checked as a whole against the
 * schema, naming the file and the YAML path of the bad field.
 */
import type { z } from 'zod';
import { userError } from '../primitives/errors.js';
import { githubRepository } from './ci.js';
import {
  alertsSchema,
  clusterName,
  clusterSpecSchema,
  type RequestedSpec,
  kubernetesVersion,
  regionName,
} from './schema.js';
import { computeMode } from './compute.js';
import { formatPath, issueMessage, issuePath } from '../primitives/validation.js';
import { type LoadedYaml, readYamlFile } from '../primitives/yaml.js';

export interface SpecFlags {
  cluster?: string;
  region?: string;
  kubernetesVersion?: string;
  profile?: string;
  gitUrl?: string;
  gitBranch?: string;
  gitPath?: string;
  fluxVersion?: string;
  /** `nodegroups` or `auto` (EKS Auto Mode). */
  compute?: string;
  /** --alerts: a Flux notification Provider type. */
  alerts?: string;
  /** --ci-github-repo, repeated: replaces ci.github.repositories of the file. */
  ciGithubRepos?: string[];
  /** --image-automation: turns imageAutomation on (the file's settings kept). */
  imageAutomation?: boolean;
}

/** Checks one flag value against the schema of the field it sets. */
export function checkFlag<S extends z.ZodType>(flag: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw userError('GITOPS_BAD_INPUT', `${flag} ${JSON.stringify(value)}: ${issueMessage(issue)}`);
}

export function checkSpecFlags(flags: SpecFlags): void {
  if (flags.cluster !== undefined) checkFlag('--cluster', clusterName, flags.cluster);
  if (flags.region !== undefined) checkFlag('--region', regionName, flags.region);
  if (flags.kubernetesVersion !== undefined)
    checkFlag('--kubernetes-version', kubernetesVersion, flags.kubernetesVersion);
  if (flags.compute !== undefined) checkFlag('--compute', computeMode, flags.compute);
  for (const repo of flags.ciGithubRepos ?? []) checkFlag('--ci-github-repo', githubRepository, repo);
  if (flags.fluxVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(flags.fluxVersion)) {
    throw userError(
      'GITOPS_BAD_INPUT',
      `--flux-version ${JSON.stringify(flags.fluxVersion)}: must be a version such as 2.9.6`,
    );
  }
  if (flags.alerts !== undefined) checkFlag('--alerts', alertsSchema.shape.provider, flags.alerts);
}

export interface SpecSources {
  /** Parsed gitops.yaml (or cluster.yaml from the fleet repo), if any. */
  file?: LoadedYaml;
  flags: SpecFlags;
  /** AWS_REGION / AWS_DEFAULT_REGION, used when neither flag nor file sets a region. */
  envRegion?: string;
}

export async function loadConfigFile(path: string): Promise<LoadedYaml> {
  return readYamlFile(path, path);
}

export function buildClusterSpec(sources: SpecSources): RequestedSpec {
  const { flags, file } = sources;
  checkSpecFlags(flags);
  const base = file?.data ?? {};
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw userError('GITOPS_BAD_CONFIG', `${file?.source ?? 'config'}: expected a mapping at the top level`);
  }
  const input: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  const sub = (key: string): Record<string, unknown> => {
    const v = input[key];
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? { ...(v as Record<string, unknown>) }
      : {};
  };
  if (flags.cluster !== undefined) input['name'] = flags.cluster;
  if (flags.region !== undefined) input['region'] = flags.region;
  else if (input['region'] === undefined && sources.envRegion) input['region'] = sources.envRegion;
  if (flags.kubernetesVersion !== undefined) input['kubernetesVersion'] = flags.kubernetesVersion;
  if (flags.profile !== undefined) input['profile'] = { ...sub('profile'), source: flags.profile };
  if (flags.gitUrl !== undefined || flags.gitBranch !== undefined || flags.gitPath !== undefined) {
    const fleet = sub('fleet');
    if (flags.gitUrl !== undefined) fleet['url'] = flags.gitUrl;
    if (flags.gitBranch !== undefined) fleet['branch'] = flags.gitBranch;
    if (flags.gitPath !== undefined) fleet['path'] = flags.gitPath;
    input['fleet'] = fleet;
  }
  if (flags.compute !== undefined) input['compute'] = flags.compute;
  if (flags.fluxVersion !== undefined)
    input['reconciler'] = { ...sub('reconciler'), version: flags.fluxVersion };
  if (flags.alerts !== undefined) input['alerts'] = { ...sub('alerts'), provider: flags.alerts };
  if (flags.ciGithubRepos !== undefined && flags.ciGithubRepos.length > 0) {
    const ci = sub('ci');
    const github =
      typeof ci['github'] === 'object' && ci['github'] !== null
        ? (ci['github'] as Record<string, unknown>)
        : {};
    input['ci'] = { ...ci, github: { ...github, repositories: flags.ciGithubRepos } };
  }

  if (flags.imageAutomation === true) input['imageAutomation'] = sub('imageAutomation');
  const result = clusterSpecSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issuePath(issue);
  const message =
    issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? 'unknown field' : issueMessage(issue);
  const flag = flagFor(path, flags);
  if (flag) throw userError('GITOPS_BAD_INPUT', `${flag}: ${message}`);
  if (
    file === undefined ||
    (issue.code === 'invalid_type' && issue.input === undefined && requiredByFlag(path))
  ) {
    throw userError('GITOPS_BAD_INPUT', `${requiredByFlag(path) ?? formatPath(path)}: ${message}`, {
      hint: file === undefined ? 'pass the flag, or give a config file with --config' : undefined,
    });
  }
  const line = file.lineOf(path);
  throw userError(
    'GITOPS_BAD_CONFIG',
    `${file.source}: ${formatPath(path)}: ${message}${line ? ` (line ${line})` : ''}`,
  );
}

/** The flag that set a path, when the bad value came from a flag. */
function flagFor(path: readonly PropertyKey[], flags: SpecFlags): string | undefined {
  const p = formatPath(path);
  if (p === 'name' && flags.cluster !== undefined) return '--cluster';
  if (p === 'region' && flags.region !== undefined) return '--region';
  if (p === 'fleet.url' && flags.gitUrl !== undefined) return '--git-url';
  if (p === 'fleet.branch' && flags.gitBranch !== undefined) return '--git-branch';
  if (p === 'fleet.path' && flags.gitPath !== undefined) return '--git-path';
  if (p === 'profile.source' && flags.profile !== undefined) return '--profile';
  if (p === 'compute' && flags.compute !== undefined) return '--compute';
  if (p === 'alerts.provider' && flags.alerts !== undefined) return '--alerts';
  if (p.startsWith('ci.github.repositories') && flags.ciGithubRepos !== undefined) return '--ci-github-repo';
  return undefined;
}

/** The flag that can supply a required field. */
function requiredByFlag(path: readonly PropertyKey[]): string | undefined {
  const map: Record<string, string> = {
    name: '--cluster',
    region: '--region',
    profile: '--profile',
    'profile.source': '--profile',
    fleet: '--git-url',
    'fleet.url': '--git-url',
  };
  return map[formatPath(path)];
}
