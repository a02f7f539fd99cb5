// The cluster API endpoint's access (resourcesVpcConfig's endpointPublicAccess,
// endpointPrivateAccess, publicAccessCidrs) on CreateCluster and UpdateClusterConfig, with AWS's
// rules as its documents and its users' reports give them (README, "EKS"):
//   - not both endpoints off ("You must enable private access to disable public access");
//   - at most 40 public CIDR blocks ("Public endpoint access CIDR ranges per cluster", a quota that
//     cannot be raised), none of them malformed or inside reserved ranges ("The block cannot
//     include reserved addresses"): "The following CIDRs are invalid in publicAccessCidrs: [...]"
//     (aws/aws-cdk#33176);
//   - an update that changes nothing: "Cluster is already at the desired configuration with
//     endpointPrivateAccess: true , endpointPublicAccess: true, and Public Endpoint Restrictions:
//     [0.0.0.0/0]" (eksctl-io/eksctl#4043), InvalidParameterException;
//   - one kind of update per call: "Only one type of update can be allowed."
//     (kubernetes-sigs/cluster-api-provider-aws#3553).

import type { EmulatorContext } from './context.js';
import { invalidParameter, resourceInUse } from './eks-common.js';
import type { Cluster, EksUpdate } from './eks-store.js';
import type { JsonInput } from './json-input.js';

export const MAX_PUBLIC_CIDRS = 40;

export interface EndpointAccess {
  publicAccess: boolean;
  privateAccess: boolean;
  publicCidrs: string[];
}

const RESERVED: [number, number][] = [
  [ip('0.0.0.0'), 8],
  [ip('10.0.0.0'), 8],
  [ip('100.64.0.0'), 10],
  [ip('127.0.0.0'), 8],
  [ip('169.254.0.0'), 16],
  [ip('172.16.0.0'), 12],
  [ip('192.168.0.0'), 16],
  [ip('224.0.0.0'), 4],
  [ip('240.0.0.0'), 4],
];

function ip(text: string): number {
  return text.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
}

const mask = (bits: number) => (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0);

/** A public access CIDR EKS takes: IPv4, no host bits, not inside a reserved range. */
function validCidr(cidr: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) return false;
  const base = ip(m.slice(1, 5).join('.'));
  const bits = Number(m[5]);
  if ((base & mask(bits)) >>> 0 !== base) return false;
  if (bits === 0) return true;
  return !RESERVED.some(([r, rb]) => bits >= rb && (base & mask(rb)) >>> 0 === r);
}

/** The endpoint access a request asks for, on top of `current` (members left out keep theirs). */
export function readEndpointAccess(vpc: JsonInput | undefined, current?: EndpointAccess): EndpointAccess {
  const publicAccess = vpc?.bool('endpointPublicAccess') ?? current?.publicAccess ?? true;
  const privateAccess = vpc?.bool('endpointPrivateAccess') ?? current?.privateAccess ?? false;
  const asked = vpc?.strings('publicAccessCidrs');
  const publicCidrs = asked ?? current?.publicCidrs ?? ['0.0.0.0/0'];
  if (!publicAccess && !privateAccess) {
    throw invalidParameter(
      'Cluster must have either public or private API server endpoint access enabled: enable private access to disable public access.',
    );
  }
  if (publicCidrs.length > MAX_PUBLIC_CIDRS) {
    throw invalidParameter(
      `The number of publicAccessCidrs (${publicCidrs.length}) exceeds the limit of ${MAX_PUBLIC_CIDRS} CIDR blocks per cluster.`,
    );
  }
  const invalid = publicCidrs.filter((c) => !validCidr(c));
  if (invalid.length > 0)
    throw invalidParameter(`The following CIDRs are invalid in publicAccessCidrs: [${invalid.join(',')}]`);
  return { publicAccess, privateAccess, publicCidrs: [...new Set(publicCidrs)] };
}

export function endpointAccessOf(c: Cluster): EndpointAccess {
  return {
    publicAccess: c.endpointPublicAccess,
    privateAccess: c.endpointPrivateAccess,
    publicCidrs: c.publicAccessCidrs,
  };
}

/** UpdateClusterConfig with resourcesVpcConfig's endpoint members: an EndpointAccessUpdate. */
export function updateEndpointAccess(ctx: EmulatorContext, c: Cluster, body: JsonInput): EksUpdate {
  const vpc = body.obj('resourcesVpcConfig')!;
  const other = Object.keys(vpc.data).filter(
    (k) => !['endpointPublicAccess', 'endpointPrivateAccess', 'publicAccessCidrs'].includes(k),
  );
  if (other.length > 0) {
    throw invalidParameter(
      `The AWS emulator does not emulate VpcConfigUpdate (resourcesVpcConfig.${other.join(', resourcesVpcConfig.')}).`,
    );
  }
  const status = ctx.eks.status(c.lifecycle);
  if (status !== 'ACTIVE') {
    throw resourceInUse(
      `Cannot EndpointAccessUpdate because cluster ${c.name} currently has update in progress`,
      { clusterName: c.name },
    );
  }
  const current = endpointAccessOf(c);
  const next = readEndpointAccess(vpc, current);
  const same =
    next.publicAccess === current.publicAccess &&
    next.privateAccess === current.privateAccess &&
    [...next.publicCidrs].sort().join() === [...current.publicCidrs].sort().join();
  if (same) {
    throw invalidParameter(
      `Cluster is already at the desired configuration with endpointPrivateAccess: ${current.privateAccess} , endpointPublicAccess: ${current.publicAccess}, and Public Endpoint Restrictions: [${current.publicCidrs.join(', ')}]`,
      { clusterName: c.name },
    );
  }
  const now = ctx.clock.now();
  c.endpointPublicAccess = next.publicAccess;
  c.endpointPrivateAccess = next.privateAccess;
  c.publicAccessCidrs = next.publicCidrs;
  c.lifecycle.updatingUntil = ctx.clock.after('clusterUpdate', now);
  const update: EksUpdate = {
    id: ctx.random.uuid(),
    type: 'EndpointAccessUpdate',
    params: [
      { type: 'EndpointPublicAccess', value: String(next.publicAccess) },
      { type: 'EndpointPrivateAccess', value: String(next.privateAccess) },
      { type: 'PublicAccessCidrs', value: JSON.stringify(next.publicCidrs) },
    ],
    createdAt: now,
    doneAt: c.lifecycle.updatingUntil,
  };
  c.updates.push(update);
  return update;
}
