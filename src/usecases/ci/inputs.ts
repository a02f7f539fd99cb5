/** What both forms of the CI workflow are written from: the cluster's registry, repository and role. */
export interface WorkflowInputs {
  cluster: string;
  region: string;
  roleArn: string;
  /** <account>.dkr.ecr.<region>.amazonaws.com */
  registry: string;
  repository: string;
  /** The branch whose pushes build images the cluster follows. */
  branch: string;
}
