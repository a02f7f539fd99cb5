/**
 * Typed events the core emits while it works. The core never prints: the CLI picks a reporter
 * (spinner, plain lines, NDJSON) and hands it in as the sink. Every event carries a stable `code`
 * from the registry below, which scripts can match on (`-o json` writes one event per line on
 * stderr); messages are for people and may change.
 */
export type StepResult =
  | 'created'
  | 'updated'
  | 'deleted'
  | 'unchanged'
  /** dry-run: observe() said the step would change something */
  | 'would-change'
  | 'failed'
  /** not started because an earlier step failed, the run was aborted or the deadline passed */
  | 'skipped';

/** The code of each lifecycle event, one per event type. */
export const LIFECYCLE_CODES = {
  'plan-started': 'GITOPS_PLAN_STARTED',
  'step-started': 'GITOPS_STEP_STARTED',
  'step-progress': 'GITOPS_STEP_PROGRESS',
  'step-finished': 'GITOPS_STEP_FINISHED',
  'plan-finished': 'GITOPS_PLAN_FINISHED',
} as const;

/** Things worth knowing that need no action. */
export const INFO_CODES = {
  GITOPS_INPUTS: 'resolving the profile, the AWS identity and the reconciler manifests',
  GITOPS_MANIFESTS: 'where the reconciler manifests come from',
  GITOPS_FLEET: 'what happened in the fleet repository (pushed, rebased, retried)',
  GITOPS_LEASE_HELD: 'the cluster lease is held by this run',
  GITOPS_APPLY: 'what a server-side apply did',
  GITOPS_WAIT: 'what a wait is still waiting for',
  GITOPS_DEPLOY_KEY: "the reconciler's deploy key, to register with the Git host",
  GITOPS_NOT_MANAGED: 'a resource gitops did not create, left to AWS (for example an add-on)',
  GITOPS_UPGRADE:
    'a cluster moves to another version of its profile through Git (from, to, where it comes from)',
  GITOPS_VERSION_KEPT: 'the cluster runs a newer Kubernetes version than the spec asks (a floor); kept',
  GITOPS_DATA_KEPT: "destroy --keep-data left the cluster's S3 buckets and their data in place",
  GITOPS_NOTE:
    'a line for the person running the command (what a confirmation would change, a cancellation, an interrupt)',
  GITOPS_TRACE: "--verbose: an error's stack and the errors that caused it",
} as const;

/** Things a person should look at; the run goes on. */
export const WARNING_CODES = {
  GITOPS_NOT_OURS: 'a resource with the name gitops would use is not tagged as managed by gitops; kept',
  GITOPS_NODEGROUP_REPLACED: 'a failed node group of ours is deleted and created again',
  GITOPS_CHECKSUM_UNPINNED: 'the reconciler version has no pinned checksum; the sha256 seen is recorded',
  GITOPS_LEASE_OFF: 'GITOPS_LOCK=off: runs on this cluster are not serialised',
  GITOPS_LEASE_TAKEN_OVER: 'an expired lease of another run was taken over',
  GITOPS_LEASE_RENEWAL: 'renewing the lease failed once; retrying',
  GITOPS_LEASE_RELEASE: 'releasing the lease failed; it expires by itself',
  GITOPS_EXTENDED_SUPPORT: 'the Kubernetes version is in EKS extended support (billed more, ends on a date)',
  GITOPS_VCPU_QUOTA:
    "a node group's maximum needs more vCPUs than the account's quota for its instance family",
  GITOPS_QUOTA_UNKNOWN: 'a Service Quotas value could not be read; the check was skipped',
  GITOPS_ZONE_REFUSED:
    'EKS refused an availability zone for the control plane; retrying with the zones it named',
  GITOPS_ADDON_UNSUPPORTED: 'EKS lists no version of an add-on for the Kubernetes version an upgrade reached',
  GITOPS_FLEET_NOT_REMOVED: "destroy could not tell where the cluster's folder is in the fleet repository",
  GITOPS_TEAM_FILE_KEPT:
    "a team-owned file (a layer overlay) was left as it is: gitops could not safely point it at the profile's version",
  GITOPS_SHARED_RESTORED: 'hand edits to a shared profile version in the fleet repository were undone',
  GITOPS_MIGRATE_EDIT:
    'gitops migrate carried an edit of the old layout into a team overlay, or could not complete part of the conversion',
} as const;

export type InfoCode = keyof typeof INFO_CODES;
export type WarningCode = keyof typeof WARNING_CODES;
export type EventCode = (typeof LIFECYCLE_CODES)[keyof typeof LIFECYCLE_CODES] | InfoCode | WarningCode;

export interface StepInfo {
  id: string;
  title: string;
  dependsOn: readonly string[];
}

export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
}

export type GitopsEvent =
  | { type: 'plan-started'; at: number; plan: string; dryRun: boolean; steps: readonly StepInfo[] }
  | { type: 'step-started'; at: number; stepId: string; title: string }
  | { type: 'step-progress'; at: number; stepId: string; message: string; elapsedMs?: number }
  | {
      type: 'step-finished';
      at: number;
      stepId: string;
      title: string;
      result: StepResult;
      durationMs: number;
      summary?: string;
      error?: ErrorInfo;
    }
  | { type: 'plan-finished'; at: number; plan: string; ok: boolean; durationMs: number }
  | { type: 'info'; at: number; code: InfoCode; message: string; stepId?: string }
  | { type: 'warning'; at: number; code: WarningCode; message: string; stepId?: string };

/** Distributes Omit over the union so callers can build any event without `at`. */
export type EventInput = GitopsEvent extends infer E
  ? E extends GitopsEvent
    ? Omit<E, 'at'>
    : never
  : never;

export interface EventSink {
  emit(event: GitopsEvent): void;
}

export const nullSink: EventSink = { emit() {} };

/** Adds the timestamp; the one place events are stamped. */
export function emit(sink: EventSink, event: EventInput): void {
  sink.emit({ ...event, at: Date.now() } as GitopsEvent);
}

/** The stable code of any event. */
export function codeOf(event: GitopsEvent): EventCode {
  return event.type === 'info' || event.type === 'warning' ? event.code : LIFECYCLE_CODES[event.type];
}
