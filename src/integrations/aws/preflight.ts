/**
 * The spec against today's AWS, before any change: read-only calls only (DescribeInstanceTypes,
 * DescribeInstanceTypeOfferings, Service Quotas, the given subnets and their routes, the cluster
 * and what runs in it, its compute mode). Everything AWS would refuse only after resources exist is found here and
 * reported at once, one line per problem (exit 2); what AWS accepts but will bite later (a vCPU
 * quota too small for a node group's maximum) is a warning.
 *
 * The zones checked are the ones the network will use: the given subnets' node zones, our
 * existing subnets' zones, or the zones the network step will choose (./network/base.ts), and
 * the preflight fails the same way that choice would.
 */
import { isGitopsError, userError } from '../../primitives/errors.js';
import { emit, type EventSink } from '../../primitives/events.js';
import type { ClusterSpec } from '../../spec/schema.js';
import { computeModeProblems } from './auto-mode.js';
import type { AwsClients } from './clients.js';
import { typeProblems } from './compute/checks.js';
import { type Offerings, offeringProblems, offerings } from './compute/offerings.js';
import { quotaReport } from './compute/quotas.js';
import { findSubnets, findVpc } from './network/base.js';
import { inspectGivenSubnets } from './network/given.js';
import { chooseZones, refusedZones } from './network/layout.js';
import { planUpgrade } from './upgrade.js';

export async function checkAgainstAws(aws: AwsClients, spec: ClusterSpec, sink: EventSink): Promise<void> {
  const groups = spec.nodeGroups;
  const names = [...new Set(groups.flatMap((g) => g.instanceTypes))];
  const [infos, offered, cluster] = await Promise.all([
    names.length > 0 ? aws.ec2.describeInstanceTypes(names) : Promise.resolve([]),
    offerings(aws, groups),
    aws.eks.describeCluster(spec.name),
  ]);
  const types = new Map(infos.map((t) => [t.name, t]));
  const problems = typeProblems(groups, types, spec.kubernetesVersion, aws.region);
  problems.push(...(await zoneProblems(aws, spec, offered)));

  const quotas = await quotaReport(aws, groups, types);
  problems.push(...quotas.problems);
  for (const message of quotas.warnings) emit(sink, { type: 'warning', code: 'GITOPS_VCPU_QUOTA', message });
  for (const message of quotas.unknown)
    emit(sink, { type: 'warning', code: 'GITOPS_QUOTA_UNKNOWN', message });

  // A change of compute mode AWS cannot make in place, or not yet: refused before anything changes.
  problems.push(...(await computeModeProblems(aws, spec, cluster)));
  if (cluster && cluster.status === 'ACTIVE') {
    try {
      await planUpgrade(aws, spec, cluster);
    } catch (e) {
      if (!isGitopsError(e) || e.fault !== 'user') throw e;
      problems.push(e.message, ...e.details);
    }
  }
  // The AMI type against the version is found twice for our own node groups (spec, upgrade).
  const lines = [...new Set(problems)];
  if (lines.length > 0) {
    throw userError('GITOPS_BAD_CONFIG', lines[0]!, {
      details: lines.slice(1),
      hint: 'nothing was changed; fix the spec (or the profile) and run again',
    });
  }
}

async function zoneProblems(aws: AwsClients, spec: ClusterSpec, offered: Offerings): Promise<string[]> {
  const groups = spec.nodeGroups;
  if (spec.network.subnetIds !== undefined) {
    const given = await inspectGivenSubnets(aws, spec.network.subnetIds);
    return [
      ...given.problems,
      ...offeringProblems(groups, given.nodeZones, offered, 'a zone of the given node subnets'),
    ];
  }
  const vpc = await findVpc(aws, spec.name);
  const refused = refusedZones(vpc);
  const inUse = vpc
    ? [...new Set((await findSubnets(aws, spec.name, vpc.id)).map((s) => s.availabilityZone))]
        .filter((z) => !refused.includes(z))
        .sort()
    : [];
  const usable = (await aws.ec2.availabilityZones()).filter((z) => !refused.includes(z));
  const count = spec.network.availabilityZones;
  if (inUse.length > 0) {
    const problems = offeringProblems(
      groups,
      inUse,
      offered,
      `one of the cluster's zones (${inUse.join(', ')})`,
    );
    if (problems.length > 0 || inUse.length >= count) return problems;
  }
  try {
    chooseZones(offered.suiting(usable), inUse, count, usable.length);
    return [];
  } catch (e) {
    if (!isGitopsError(e)) throw e;
    // Say which node groups narrow the zones down, one line each.
    return [e.message, ...offeringProblems(groups, usable, offered, `a zone of ${aws.region}`)];
  }
}
