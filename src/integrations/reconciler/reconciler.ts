/**
 * What the use cases need from the in-cluster reconciler that applies the fleet repository.
 * Flux implements it (./flux); a second reconciler (Argo CD, say) would be a new folder beside it
 * that implements this interface, with no edit to bootstrap, status, diff or destroy. Nothing
 * here names a reconciler's APIs, namespaces or file layout.
 */
import type { EventSink } from '../../primitives/events.js';
import type { AlertsDestination } from '../../spec/alerts.js';
import type { Step, StepContext, StepRef } from '../../primitives/plan.js';
import type { ApiKind } from '../kube/api-kinds.js';
import type { ClientSource } from '../kube/apply-step.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject, ObjectRef } from '../kube/object.js';

/** Where in the fleet repository a cluster's desired state lives. */
export interface FleetLocation {
  url: string;
  branch: string;
  /** The cluster's folder, e.g. clusters/research (no leading ./). */
  path: string;
}

/** How the reconciler reads the fleet repository: never the token gitops pushes with. */
export type ReadCredentials =
  | { type: 'ssh'; privateKey: string; knownHosts: string; publicKey?: string }
  /** Generate a deploy key unless the cluster already holds one. */
  | { type: 'ssh-generate'; knownHosts: string; comment?: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  /** A repository anyone may read (or one on this machine): nothing to hand over. */
  | { type: 'none' };

export type ManifestOrigin = 'flag-file' | 'flag-url' | 'cache' | 'download';
/** pinned: matched a checksum in the source; recorded: matched the fleet repo's record. */
export type Verification = 'pinned' | 'recorded' | 'first-seen' | 'user-supplied';

/** The reconciler's install manifests, verified. */
export interface ReconcilerManifests {
  version: string;
  /**
   * What the manifests are, when they say they are not a release of the reconciler (see
   * NOT_A_RELEASE_ANNOTATION): shown instead of the version.
   */
  notARelease?: string;
  text: string;
  sha256: string;
  origin: ManifestOrigin;
  location: string;
  verification: Verification;
}

export interface ManifestRequest {
  version: string;
  /** A file or URL the user named instead of the release's manifests. */
  source?: string;
  /** A mirror of the release downloads. */
  releaseBaseUrl?: string;
  /** The fleet repository's files in the cluster's folder, keyed by path in that folder. */
  recorded?: (file: string) => Promise<string | undefined>;
  sink: EventSink;
  env: NodeJS.ProcessEnv;
}

export interface InstallRequest {
  /** The cluster's API, once the step that makes it reachable has run. */
  client: ClientSource;
  manifests: ReconcilerManifests;
  location: FleetLocation;
  credentials: ReadCredentials;
  /** Steps the first install step waits for (the one that makes the API reachable). */
  dependsOn: readonly string[];
  /**
   * Steps that must be done before the reconciler starts applying the fleet (the workloads'
   * Pod Identity associations and agent: credentials reach only pods created after them).
   */
  syncDependsOn?: readonly string[];
  /** The fleet revision the reconciler must have applied before the run is done. */
  revision: (ctx: StepContext) => string | undefined;
  /** The steps that produce that revision (the fleet push). */
  revisionDependsOn: readonly string[];
  /** The layer syncs (layerFiles) that must have applied the revision too. */
  layers: readonly string[];
  pollMs: number;
  /** Where alerts go: stored in the cluster as the reconciler's secret; absent removes it. */
  alerts?: AlertsDestination;
}

/** One layer of a cluster: its name and the repository folder it is built from. */
export interface LayerSpec {
  name: string;
  path: string;
}

export interface LayerFilesRequest {
  /** In apply order: each waits for the one before to be ready. */
  layers: readonly LayerSpec[];
  /** The cluster's values, substituted into the layers, and the profile version they are for. */
  values: { data: Readonly<Record<string, string>>; profile: { name: string; version: string } };
  /** Other files of the cluster folder the root applies too (relative to it). */
  resources?: readonly string[];
  /** Failure and drift alerts to this provider type (its address goes to the cluster, not Git). */
  alerts?: { provider: string };
  /** The kinds the installed reconciler serves (apiKinds), for the versions of its own objects. */
  kinds?: readonly ApiKind[];
  /** A ConfigMap whose values override the cluster's values (image automation's images). */
  overrides?: string;
}

/** The data of image automation's write credential Secret (opaque to the use cases). */
export type WriteCredentials = Readonly<Record<string, string>>;

export interface ImageAutomationRequest {
  url: string;
  branch: string;
  /** The cluster's folder, where the automation updates marked values. */
  path: string;
  interval: string;
  images: readonly {
    repository: string;
    uri: string;
    parameter: string;
    value: string;
    /** Set when the workloads take the image's name (parameter) and tag apart. */
    tag?: { parameter: string; value: string };
  }[];
}

export interface ImageAutomationFiles {
  /** Tool-owned, relative to the cluster folder. */
  files: Record<string, string>;
  /** Team-owned, written once: what the automation commits to. */
  teamFiles: Record<string, string>;
  /** The ConfigMap the layer syncs substitute from after the values (LayerFilesRequest.overrides). */
  overrides: string;
}

export interface CredentialsOutput {
  secretName?: string;
  /** A generated deploy key's public half, to register with the Git host (read-only). */
  publicKey?: string;
  fingerprint?: string;
}

export interface InstallSteps {
  steps: Step[];
  /** The step that gives the reconciler read access: its output holds a deploy key to register. */
  credentials: StepRef<CredentialsOutput>;
  /** The step that finishes when the reconciler has applied the revision. */
  ready: StepRef<unknown>;
}

export interface ControllerHealth {
  name: string;
  ready: boolean;
  reason: string;
}

/** One object of the reconciler's own (a source, a sync, a release) and whether it is healthy. */
export interface ReconcilerObjectHealth {
  kind: string;
  name: string;
  namespace: string;
  ready: boolean;
  suspended: boolean;
  reason: string;
}

/** A layer sync (one per layer) and whether it applied its revision and is healthy. */
export interface LayerHealth {
  name: string;
  ready: boolean;
  suspended: boolean;
  reason: string;
  /** The fleet revision (commit SHA) it last applied. */
  appliedRevision?: string;
}

export interface ReconcilerHealth {
  installed: boolean;
  version?: string;
  /** What the installed components are, when they say they are not a release (shown instead of the version). */
  notARelease?: string;
  controllers: ControllerHealth[];
  /** Where the cluster syncs from, as the installed reconciler says. */
  location?: Partial<FleetLocation>;
  /** The fleet revision the cluster last applied (a commit SHA), and whether that apply is Ready. */
  appliedRevision?: string;
  syncReady: boolean;
  objects: ReconcilerObjectHealth[];
  /** The layer syncs the root sync applies, in apply order when known. */
  layers: LayerHealth[];
  /** The profile version the cluster's values were rendered for, as applied. */
  profile?: { name: string; version: string };
  /** Where its alerts go, when the cluster has alerts (never the address). */
  alerts?: AlertsHealth;
  /** Its image automation objects (scans, policies, Git updates); empty without any. */
  imageAutomation: ImageAutomationHealth[];
  /**
   * What was not really done but stood in for by a test environment (the local sandbox marks
   * the releases it cannot install and the objects it could only validate): status must say so
   * next to any "ready". Empty on a real cluster.
   */
  simulated: SimulatedObject[];
}

export interface AlertsHealth {
  /** The provider type (slack, generic, ...). */
  provider: string;
  /** Its provider object and secret are in place (and, where the reconciler says, ready). */
  ready: boolean;
  reason: string;
  /** Flagger's canary alerts, when the cluster's profile wires Flagger to the same place. */
  flagger?: FlaggerAlertsHealth;
}

export interface FlaggerAlertsHealth {
  /** Its values point one of Flagger's notifiers at the destination. */
  sent: boolean;
  /** Which notifier (never the address), or why none. */
  note: string;
}

/**
 * An object of the reconciler's image automation (ImageRepository, ImagePolicy,
 * ImageUpdateAutomation for Flux) and its own readiness.
 */
export interface ImageAutomationHealth extends ReconcilerObjectHealth {
  /** A policy's chosen image (`<image>:<tag>`), once it chose one. */
  latestImage?: string;
}

export interface SimulatedObject {
  kind: string;
  name: string;
  namespace: string;
  /** What the test environment did instead, in its own words. */
  note: string;
}

/** What the cluster should hold according to a checkout of the fleet repository. */
export interface DesiredState {
  objects: KubeObject[];
  /** The field manager the reconciler applies with: its own fields are not drift. */
  fieldManager: string;
  /** Where it puts namespaced objects that name no namespace. */
  defaultNamespace: string;
}

export interface Reconciler {
  /** 'flux' */
  readonly name: string;
  /** The namespace its own controllers run in (a workload identity there is one of theirs). */
  readonly namespace: string;
  /**
   * The file in a cluster's folder of the fleet repository (relative to it) that holds the
   * install manifests it wrote there (fleetFiles): what later runs read the installed kinds from.
   */
  readonly manifestsFile: string;
  /** The manifests recorded in that file (its text, and where it was read, for messages). */
  recordedManifests(text: string, location: string): ReconcilerManifests;
  /**
   * The URL the reconciler is given for the fleet repository: no credentials, in a form it
   * accepts. A URL it cannot read (its schemes) is a user error naming those it accepts.
   */
  sourceUrl(url: string, options: { allowInsecureHttp: boolean }): string;
  /** How it will read the repository, chosen from the URL and the environment. */
  readCredentials(url: string, env: NodeJS.ProcessEnv): Promise<ReadCredentials>;
  resolveManifests(request: ManifestRequest): Promise<ReconcilerManifests>;
  /**
   * Its files in the cluster's folder of the fleet repository, keyed by path in that folder. They
   * must describe the same sync objects the install applies for these credentials: the reconciler
   * applies its own folder too, and any difference would be a change (or a missing Secret) there.
   */
  fleetFiles(
    manifests: ReconcilerManifests,
    location: FleetLocation,
    credentials: ReadCredentials,
  ): Record<string, string>;
  /**
   * The cluster folder's files that apply its layers in order, with the cluster's values
   * substituted into them (the folder's root index among them), keyed by path in that folder.
   */
  layerFiles(request: LayerFilesRequest): Record<string, string>;
  /**
   * Image automation, for a cluster that opted in: its Git write credential from the environment
   * (undefined: none given, keep the one in the cluster), its files in the cluster folder and the
   * ConfigMap whose values override the layers' values, and the step storing the credential
   * (its id is the reconciler's: imageAutomationRef).
   */
  imageAutomationCredentials(url: string, env: NodeJS.ProcessEnv): Promise<WriteCredentials | undefined>;
  imageAutomationFiles(request: ImageAutomationRequest): ImageAutomationFiles;
  imageAutomationStep(options: {
    dependsOn: readonly string[];
    client: ClientSource;
    credentials: WriteCredentials | undefined;
  }): Step;
  readonly imageAutomationRef: StepRef<unknown>;
  /** The kinds it serves once installed (the CRDs of its manifests). */
  apiKinds(manifests: ReconcilerManifests): ApiKind[];
  installSteps(request: InstallRequest): InstallSteps;
  /** The workloads it applied for the cluster (its inventories, without its own components). */
  workloads(client: KubeClient, signal?: AbortSignal): Promise<ObjectRef[]>;
  /** Everything it applied for the cluster's folder and its layers. */
  inventory(client: KubeClient, signal?: AbortSignal): Promise<ObjectRef[]>;
  health(client: KubeClient, signal?: AbortSignal): Promise<ReconcilerHealth>;
  /** Where the installed reconciler syncs from; undefined when it is not installed. */
  location(client: KubeClient, signal?: AbortSignal): Promise<Partial<FleetLocation> | undefined>;
  /** A step that stops it from reconciling (destroy runs it first). */
  suspendStep(client: KubeClient, id: string): Step;
  /**
   * Keeps what the root sync applied from being pruned while it moves to the layer syncs
   * (migrate, before pushing), and lets go again once they applied it; both return how many.
   */
  protectFromPrune(client: KubeClient, signal?: AbortSignal): Promise<number>;
  releaseProtection(client: KubeClient, signal?: AbortSignal): Promise<number>;
  /** The objects it would apply from a checkout's folder and the layers there, as it would apply them. */
  desired(checkoutDir: string, path: string): Promise<DesiredState>;
}
