/**
 * Resolves the workload identities a cluster gets: those of each profile of the include chain, in
 * order, then the cluster spec's, later ones replacing earlier ones with the same service account.
 * Inline policies are read from the profile that declares them, their placeholders filled in within
 * parsed JSON strings (never the text, so a value cannot change the document's structure), and checked
 * against IAM's grammar. Every error names the file and the JSON path: exit 2, before any call.
 */
import { userError } from '../../primitives/errors.js';
import { formatPath } from '../../primitives/validation.js';
import {
  canonicalPolicy,
  INLINE_POLICY_QUOTA,
  type PolicyPath,
  policyIssues,
  policySize,
} from '../../spec/iam-policy.js';
import { type ComputeMode, isReplacedByAutoMode } from '../../spec/compute.js';
import type { SpecIdentity, WorkloadIdentity } from '../../spec/identity.js';
import type { ChainProfile } from './chain-profile.js';
import type { ProfileIdentity } from './model.js';
import type { ParameterSet } from './parameters.js';
import { parameterValue, type SubstitutionContext } from './substitute.js';

const TOKEN = /\$\$\{|\$\{([^}\n]*)\}/g;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface IdentityRequest {
  layers: readonly ChainProfile[];
  /** The cluster spec's own identities (gitops.yaml or cluster.yaml). */
  spec: readonly SpecIdentity[] | undefined;
  /** Where the spec came from, for messages. */
  specSource: string;
  params: ParameterSet;
  /** The add-ons the cluster gets: an identity may only name one of them. */
  addons: readonly string[];
  /**
   * The cluster's compute mode: with Auto Mode a profile's identities of the add-ons it replaces
   * are left out (Auto Mode's own components call AWS with the cluster role).
   */
  compute?: ComputeMode;
}

export function resolveIdentities(req: IdentityRequest): WorkloadIdentity[] {
  const byAccount = new Map<string, WorkloadIdentity>();
  for (const layer of req.layers) {
    layer.profile.identities.forEach((declared, i) => {
      if (req.compute === 'auto' && declared.addon !== undefined && isReplacedByAutoMode(declared.addon))
        return;
      const where = `${layer.label}/profile.yaml: identities[${i}]`;
      byAccount.set(declared.serviceAccount, fromProfile(declared, layer, where, req.params));
    });
  }
  (req.spec ?? []).forEach((declared, i) => {
    const where = `${req.specSource}: identities[${i}]`;
    byAccount.set(declared.serviceAccount, fromSpec(declared, where, req.params));
  });
  const identities = [...byAccount.values()];
  for (const identity of identities) checkAddon(identity, req.addons);
  return identities.sort((a, b) => key(a).localeCompare(key(b)));
}

function fromProfile(
  declared: ProfileIdentity,
  layer: ChainProfile,
  where: string,
  params: ParameterSet,
): WorkloadIdentity {
  const inline = declared.inlinePolicies.map((file, j) => {
    const text = layer.policies[file];
    if (text === undefined) {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${where}.inlinePolicies[${j}]: ${layer.label}/${file} does not exist`,
        {
          hint: 'inline policies are JSON files in the policies/ folder of the profile that declares them',
        },
      );
    }
    const source = `${layer.label}/${file}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw userError('GITOPS_BAD_CONFIG', `${source}: not valid JSON: ${(e as Error).message}`);
    }
    const name = file.slice(file.lastIndexOf('/') + 1, -'.json'.length);
    return { name, document: policyDocument(parsed, source, params) };
  });
  return build(declared.serviceAccount, declared.addon, declared.managedPolicies, inline, where, params);
}

function fromSpec(declared: SpecIdentity, where: string, params: ParameterSet): WorkloadIdentity {
  const inline = declared.inlinePolicies.map((p, j) => ({
    name: p.name,
    document: policyDocument(p.document, `${where}.inlinePolicies[${j}].document`, params),
  }));
  return build(declared.serviceAccount, declared.addon, declared.managedPolicies, inline, where, params);
}

function build(
  serviceAccount: string,
  addon: string | undefined,
  managed: readonly string[],
  inline: { name: string; document: string }[],
  where: string,
  params: ParameterSet,
): WorkloadIdentity {
  const [namespace, name] = serviceAccount.split('/') as [string, string];
  const arns = managed.map((arn, j) =>
    fill(arn, { params, file: `${where}.managedPolicies[${j}]`, used: new Set() }),
  );
  const names = new Set<string>();
  for (const p of inline) {
    if (names.has(p.name))
      throw userError('GITOPS_BAD_CONFIG', `${where}: two inline policies are named ${p.name}`);
    names.add(p.name);
  }
  const size = inline.reduce((n, p) => n + policySize(p.document), 0);
  if (size > INLINE_POLICY_QUOTA) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: the inline policies of ${serviceAccount} hold ${size} characters; IAM allows ${INLINE_POLICY_QUOTA} per role`,
      { hint: 'use a managed policy for part of it, or trim the documents' },
    );
  }
  return {
    namespace,
    serviceAccount: name,
    ...(addon === undefined ? {} : { addon }),
    managedPolicyArns: [...new Set(arns)].sort(),
    inlinePolicies: [...inline].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Placeholders filled in, then IAM's grammar checked: a compact, canonical document. */
function policyDocument(parsed: unknown, source: string, params: ParameterSet): string {
  const ctx: SubstitutionContext = { params, file: source, used: new Set() };
  const filled = substituteJson(parsed, [], ctx);
  const issues = policyIssues(filled);
  if (issues.length > 0) {
    const first = issues[0]!;
    const at = first.path.length > 0 ? `${formatPath(first.path)}: ` : '';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw userError('GITOPS_BAD_CONFIG', `${source}: ${at}${first.message}${more}`);
  }
  return canonicalPolicy(filled);
}

function substituteJson(value: unknown, path: PolicyPath, ctx: SubstitutionContext): unknown {
  if (typeof value === 'string') return fill(value, { ...ctx, file: `${ctx.file}: ${formatPath(path)}` });
  if (Array.isArray(value)) return value.map((v, i) => substituteJson(v, [...path, i], ctx));
  if (typeof value === 'object' && value !== null) {
    // Keys too: condition keys name tags such as aws:ResourceTag/k8s.io/cluster-autoscaler/${cluster}.
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        fill(k, { ...ctx, file: `${ctx.file}: ${formatPath([...path, k])}` }),
        substituteJson(v, [...path, k], ctx),
      ]),
    );
  }
  return value;
}

/** `${name}` from the parameters; `${aws:...}` and other IAM policy variables are IAM's, kept. */
function fill(text: string, ctx: SubstitutionContext): string {
  return text.replace(TOKEN, (match, name: string | undefined) => {
    if (match === '$${') return '${';
    if (name !== undefined && !IDENT.test(name) && name.includes(':')) return match;
    return String(parameterValue(name ?? '', ctx, ctx.file));
  });
}

function checkAddon(identity: WorkloadIdentity, addons: readonly string[]): void {
  if (identity.addon === undefined || addons.includes(identity.addon)) return;
  throw userError(
    'GITOPS_BAD_CONFIG',
    `identities: ${key(identity)} belongs to add-on ${identity.addon}, which the cluster does not get`,
    { hint: `add ${identity.addon} to addons, or drop "addon" from the identity` },
  );
}

function key(i: WorkloadIdentity): string {
  return `${i.namespace}/${i.serviceAccount}`;
}
