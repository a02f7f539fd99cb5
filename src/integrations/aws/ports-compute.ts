/**
 * The ports the compute checks read before a run (src/integrations/aws/compute/): what an EC2
 * instance type is, and the account's Service Quotas. Kept beside ports.ts, in our own small types.
 */

/** An EC2 instance type as DescribeInstanceTypes describes it, reduced to what the checks need. */
export interface InstanceTypeInfo {
  name: string;
  /** x86_64, arm64, ... (processorInfo.supportedArchitectures). */
  architectures: string[];
  vcpus: number;
  /** GPUs by manufacturer (NVIDIA, AMD, ...); empty for none. */
  gpus: { manufacturer: string; name: string; count: number }[];
  /** AWS Neuron devices (Inferentia, Trainium). */
  neuronDevices: number;
}

export interface ServiceQuotasPort {
  /**
   * The applied value of a quota (GetServiceQuota), or undefined when Service Quotas does not
   * know it in this region (NoSuchResourceException).
   */
  appliedQuota(serviceCode: string, quotaCode: string): Promise<number | undefined>;
}
