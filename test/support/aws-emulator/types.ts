// Public types of the AWS emulator. Other test code and the sandbox code against these, so
// changes here must stay backwards compatible.

import type { EksVersionInfo } from './eks-versions.js';

export type { EksVersionInfo } from './eks-versions.js';

export type ServiceName = 'eks' | 'ecr' | 'ec2' | 'iam' | 'sts' | 'servicequotas' | 's3';

export interface EmulatorOptions {
  /** 0 = any free port (default). Always bound to 127.0.0.1. */
  port?: number;
  /** Multiplies AWS's real durations (default 1; unit tests use 0.001, the sandbox 0.01). */
  timeScale?: number;
  /** Default 'us-west-2'. */
  region?: string;
  /** Seed for fault injection and generated ids, so a run can be replayed. */
  seed?: number;
  faults?: FaultRule[];
  /** Every EKS cluster reports this endpoint and CA (base64 PEM) once ACTIVE. */
  kubeApiserver?: KubeApiserverBinding;
  /** Replaces EKS's Kubernetes version calendar (default: AWS's as of December 2026). */
  eksVersions?: EksVersionInfo[];
  /** Applied Service Quotas values by `serviceCode/quotaCode`, e.g. { 'ec2/L-DB2E81BA': 0 }. */
  serviceQuotas?: Record<string, number>;
  /**
   * Zones where CreateCluster answers UnsupportedAvailabilityZoneException (default: us-east-1e in
   * us-east-1, the region's last zone elsewhere).
   */
  eksUnsupportedZones?: string[];
}

export interface KubeApiserverBinding {
  endpoint: string;
  caData: string;
}

export interface FaultRule {
  /** Unset = every service. */
  service?: ServiceName;
  /** AWS operation name, e.g. 'CreateCluster'. Unset = every operation. */
  operation?: string;
  /** 0..1: share of matching calls answered with the service's throttling error. */
  throttleRate?: number;
  /** 0..1: share of matching calls answered with a 500 InternalFailure. */
  errorRate?: number;
  /** Added to every matching call before it is answered. */
  latencyMs?: number;
  /** 1-based numbers of the matching calls (counted per rule) that fail with 500 InternalFailure. */
  failNth?: number[];
  /** 1-based numbers of the matching calls (counted per rule) answered with the throttling error. */
  throttleNth?: number[];
  /** Hold the request this long, then carry it out and answer (a client timeout fires first). */
  hangMs?: number;
  /** Hang only these matching calls (1-based); without it, every matching call hangs. */
  hangNth?: number[];
  /**
   * Answer every matching call with the service's own permission error, as AWS does for an
   * identity whose policies do not allow the action (EKS 403 AccessDeniedException, EC2 403
   * UnauthorizedOperation, IAM 403 AccessDenied, ...). STS GetCallerIdentity is never denied:
   * AWS answers it whatever the policies say.
   */
  deny?: boolean;
}

export interface LifecycleFault {
  resource: 'cluster' | 'nodegroup' | 'addon' | 'natgateway';
  /** Unset = the next resource of this kind that is created. */
  name?: string;
  outcome: 'FAILED' | 'CREATE_FAILED' | 'DEGRADED';
  message?: string;
  /** Health-issue / failure code reported with the outcome (a sensible AWS code by default). */
  code?: string;
}

export interface Identity {
  accessKeyId: string;
  secretAccessKey: string;
  /** IAM user ARN or STS assumed-role ARN. */
  arn: string;
  /** Defaults to the account in the ARN. */
  accountId?: string;
  /** When set, requests must carry this X-Amz-Security-Token. */
  sessionToken?: string;
}

export interface CallRecord {
  service: ServiceName;
  operation: string;
  params: unknown;
  ok: boolean;
  errorCode?: string;
  /** HTTP status of the answer. */
  status: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  requestId: string;
  /** ARN of the signing identity. */
  caller: string;
}

export type DownMode = 'unavailable' | 'reset';

/** What pushImage() / POST /_emulator/images answer. */
export interface PushedImage {
  digest: string;
  /** ISO 8601: when ECR recorded the push (the first push of that digest). */
  pushedAt: string;
}

export type { EmulatorState } from './state.js';
