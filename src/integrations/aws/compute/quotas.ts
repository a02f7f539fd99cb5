/**
 * Quotas a node group can meet only at run time, read from Service Quotas before a run:
 *   - "Nodes per managed node group" (eks L-BD136A63, default 450, adjustable: EKS service quotas):
 *     a maxSize above the account's value is refused by EKS, so it is an error here;
 *   - the EC2 vCPU quotas per instance family: a node group whose maximum needs more vCPUs than its
 *     family's quota cannot scale that far (instances fail to launch), so that is a warning. A new
 *     account has 0 vCPUs for G and VT instances.
 * Quota codes as AWS's Service Quotas lists them for EC2 (the standard families share one).
 */
import type { NodeGroupSpec } from '../../../spec/schema.js';
import type { AwsClients } from '../clients.js';
import type { InstanceTypeInfo } from '../ports-compute.js';

export const NODES_PER_NODEGROUP = { serviceCode: 'eks', quotaCode: 'L-BD136A63', default: 450 } as const;

interface VcpuQuota {
  code: string;
  name: string;
}

const STANDARD = 'Standard (A, C, D, H, I, M, R, T, Z)';
const ON_DEMAND: Record<string, VcpuQuota> = {
  standard: { code: 'L-1216C47A', name: `Running On-Demand ${STANDARD} instances` },
  dl: { code: 'L-6E869C2A', name: 'Running On-Demand DL instances' },
  f: { code: 'L-74FC7D96', name: 'Running On-Demand F instances' },
  g: { code: 'L-DB2E81BA', name: 'Running On-Demand G and VT instances' },
  inf: { code: 'L-1945791B', name: 'Running On-Demand Inf instances' },
  p: { code: 'L-417A185B', name: 'Running On-Demand P instances' },
  trn: { code: 'L-2C3B7624', name: 'Running On-Demand Trn instances' },
  x: { code: 'L-7295265B', name: 'Running On-Demand X instances' },
};
const SPOT: Record<string, VcpuQuota> = {
  standard: { code: 'L-34B43A08', name: `All ${STANDARD} Spot Instance Requests` },
  dl: { code: 'L-85EED4F7', name: 'All DL Spot Instance Requests' },
  f: { code: 'L-88CF9481', name: 'All F Spot Instance Requests' },
  g: { code: 'L-3819A6DF', name: 'All G and VT Spot Instance Requests' },
  inf: { code: 'L-B5D1601B', name: 'All Inf Spot Instance Requests' },
  p: { code: 'L-7212CCBC', name: 'All P Spot Instance Requests' },
  trn: { code: 'L-6B0D517C', name: 'All Trn Spot Instance Requests' },
  x: { code: 'L-E3A00192', name: 'All X Spot Instance Requests' },
};

/** The quota class of an instance type by its family letters: g5 -> g, inf2 -> inf, m6i -> standard. */
export function quotaClass(type: string): string | undefined {
  const family = /^[a-z]+/.exec(type)?.[0] ?? '';
  if (family === 'vt') return 'g';
  if (family in ON_DEMAND) return family;
  // hpc and mac have quotas of their own kinds (dedicated capacity); not checked.
  if (family === 'hpc' || family === 'mac' || family === 'u') return undefined;
  const first = family[0] ?? '';
  if ('acdhimrtz'.includes(first) && first !== '') return 'standard';
  return first in ON_DEMAND ? first : undefined;
}

export interface QuotaReport {
  problems: string[];
  warnings: string[];
  /** Quotas that could not be read (no permission, a throttled call): said, not fatal. */
  unknown: string[];
}

export async function quotaReport(
  aws: AwsClients,
  groups: readonly NodeGroupSpec[],
  types: ReadonlyMap<string, InstanceTypeInfo>,
): Promise<QuotaReport> {
  const report: QuotaReport = { problems: [], warnings: [], unknown: [] };
  const read = async (service: string, code: string, what: string) => {
    try {
      return await aws.quotas.appliedQuota(service, code);
    } catch (e) {
      report.unknown.push(`${what} (${service} ${code}): ${(e as Error).message}`);
      return undefined;
    }
  };
  if (groups.length > 0) {
    const { serviceCode, quotaCode } = NODES_PER_NODEGROUP;
    const limit =
      (await read(serviceCode, quotaCode, 'Nodes per managed node group')) ?? NODES_PER_NODEGROUP.default;
    for (const g of groups.filter((x) => x.maxSize > limit))
      report.problems.push(
        `nodeGroups[${g.name}].maxSize: ${g.maxSize} is above the account's ${limit} nodes per managed node group (Service Quotas ${serviceCode} ${quotaCode}); ask AWS for more, or lower it`,
      );
  }
  // vCPUs each quota must hold if every node group grows to its maximum on its largest type.
  const needs = new Map<string, { quota: VcpuQuota; vcpus: number; groups: string[] }>();
  for (const g of groups) {
    const sizes = g.instanceTypes.map((t) => types.get(t)).filter((t) => t !== undefined);
    // A group mixing families is counted against its first type's quota.
    const cls = quotaClass(g.instanceTypes[0] ?? '');
    if (sizes.length === 0 || cls === undefined) continue;
    const quota = (g.capacityType === 'SPOT' ? SPOT : ON_DEMAND)[cls]!;
    const need = needs.get(quota.code) ?? { quota, vcpus: 0, groups: [] };
    need.vcpus += g.maxSize * Math.max(...sizes.map((t) => t.vcpus));
    need.groups.push(g.name);
    needs.set(quota.code, need);
  }
  for (const { quota, vcpus, groups: names } of needs.values()) {
    const limit = await read('ec2', quota.code, quota.name);
    if (limit === undefined || vcpus <= limit) continue;
    report.warnings.push(
      `nodeGroups[${names.join(', ')}]: at maxSize ${names.length > 1 ? 'they need' : 'it needs'} up to ${vcpus} vCPUs of "${quota.name}" (ec2 ${quota.code}); the account's quota is ${limit}, so nodes beyond it will not start`,
    );
  }
  return report;
}
