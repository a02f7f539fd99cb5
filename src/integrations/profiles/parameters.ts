/**
 * Parameter values for one rendering: the profile's declared parameters (with their defaults),
 * the values the cluster spec sets, and the built-ins every profile can use. A value the profile
 * does not declare is refused (it is almost always a typo that would otherwise be ignored).
 */
import { userError } from '../../primitives/errors.js';
import { type ClusterBucket, clusterBucketName } from '../../spec/bucket.js';
import { partitionOf } from '../../spec/identity.js';
import { BUILTIN_PARAMETERS, type ParameterValue, type Profile } from './model.js';

export interface Builtins {
  cluster: string;
  region: string;
  accountId: string;
  ecrRegistry: string;
  /** aws, aws-cn or aws-us-gov: what ARNs start with in the cluster's region. */
  partition: string;
  /** Always `"`: see BUILTIN_PARAMETERS. */
  quote: '"';
}

export interface ParameterSet {
  /** Name -> value; a declared parameter without default or value is absent (missing). */
  values: ReadonlyMap<string, ParameterValue>;
  /** Declared parameters that have no value: using one is an error naming where. */
  missing: ReadonlySet<string>;
}

export function ecrRegistryFor(accountId: string, region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${accountId}.dkr.ecr.${region}.${suffix}`;
}

export function builtinsFor(cluster: string, region: string, accountId: string): Builtins {
  if (!/^\d{12}$/.test(accountId)) {
    throw userError('GITOPS_BAD_INPUT', `AWS account id "${accountId}" must be 12 digits`);
  }
  return {
    cluster,
    region,
    accountId,
    ecrRegistry: ecrRegistryFor(accountId, region),
    partition: partitionOf(region),
    quote: '"',
  };
}

export function resolveParameters(
  profile: Pick<Profile, 'name' | 'parameters'> & Partial<Pick<Profile, 'buckets'>>,
  provided: Readonly<Record<string, ParameterValue>>,
  builtins: Builtins,
): ParameterSet {
  const declared = new Map(profile.parameters.map((p) => [p.name, p]));
  const values = new Map<string, ParameterValue>();
  const missing = new Set<string>();
  for (const name of Object.keys(provided).sort()) {
    if ((BUILTIN_PARAMETERS as readonly string[]).includes(name)) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `profile.parameters.${name}: "${name}" is a built-in parameter taken from the cluster spec`,
      );
    }
    if (!declared.has(name)) {
      const known = [...declared.keys()].sort();
      throw userError(
        'GITOPS_BAD_CONFIG',
        `profile.parameters.${name}: profile "${profile.name}" has no parameter "${name}"`,
        {
          hint: known.length > 0 ? `its parameters: ${known.join(', ')}` : 'it declares no parameters',
        },
      );
    }
  }
  for (const p of profile.parameters) {
    const given = provided[p.name];
    const raw = given ?? p.default;
    if (raw === undefined) {
      missing.add(p.name);
      continue;
    }
    const where =
      given !== undefined
        ? `profile.parameters.${p.name}`
        : `profile "${profile.name}" parameter "${p.name}" default`;
    values.set(p.name, coerce(raw, p.type, where));
  }
  for (const name of BUILTIN_PARAMETERS) values.set(name, builtins[name]);
  // Each bucket's name under its variable: manifests and identity policies use it like a parameter.
  for (const b of profileBuckets(profile, builtins)) values.set(b.variable, b.name);
  return { values, missing };
}

/**
 * The S3 buckets the profile asks for, with their names for this cluster. A variable may name one
 * bucket only, and no parameter: it would be ambiguous which value the manifests get.
 */
export function profileBuckets(
  profile: Pick<Profile, 'name' | 'parameters'> & Partial<Pick<Profile, 'buckets'>>,
  builtins: Pick<Builtins, 'accountId' | 'region' | 'cluster'>,
): ClusterBucket[] {
  const seen = new Map<string, string>();
  return (profile.buckets ?? []).map((b, i) => {
    const where = `profile "${profile.name}" buckets[${i}].variable`;
    if (profile.parameters.some((p) => p.name === b.variable)) {
      throw userError('GITOPS_BAD_CONFIG', `${where}: "${b.variable}" is also a parameter of the profile`, {
        hint: 'give the bucket a variable name of its own',
      });
    }
    const other = seen.get(b.variable);
    if (other !== undefined) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${where}: "${b.variable}" is already the variable of bucket ${other}`,
      );
    }
    seen.set(b.variable, b.name);
    return {
      logical: b.name,
      name: clusterBucketName(builtins.accountId, builtins.region, builtins.cluster, b.name),
      variable: b.variable,
    };
  });
}

/** Flags arrive as strings; "3" for a number parameter and "true" for a boolean one are fine. */
function coerce(value: ParameterValue, type: 'string' | 'number' | 'boolean', where: string): ParameterValue {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      return String(value);
    case 'number': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(n))
        throw userError('GITOPS_BAD_CONFIG', `${where}: expected a number, got ${JSON.stringify(value)}`);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw userError('GITOPS_BAD_CONFIG', `${where}: expected true or false, got ${JSON.stringify(value)}`);
  }
}
