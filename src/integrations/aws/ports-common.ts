/** Types every port shares. */
export type Tags = Record<string, string>;

/** A health problem AWS reports for a resource (cluster, node group, add-on, NAT gateway). */
export interface HealthIssue {
  code: string;
  message: string;
}
