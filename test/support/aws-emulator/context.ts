// Everything the service handlers share: settings, the clock, id generation and every store.

import type { ScaledClock } from './clock.js';
import type { Ec2Store } from './ec2-store.js';
import type { EcrStore } from './ecr-store.js';
import type { EksStore } from './eks-store.js';
import type { EksVersionTable } from './eks-versions.js';
import type { QuotaStore } from './service-quotas.js';
import type { IamStore } from './iam-store.js';
import type { IdentityRegistry } from './identities.js';
import type { LifecycleFaults } from './lifecycle-faults.js';
import type { SeededRandom } from './random.js';
import type { S3Store } from './s3-store.js';
import type { KubeApiserverBinding } from './types.js';

export interface EmulatorContext {
  readonly region: string;
  readonly accountId: string;
  readonly clock: ScaledClock;
  /** Ids and tokens; seeded so runs are reproducible. */
  readonly random: SeededRandom;
  readonly identities: IdentityRegistry;
  readonly lifecycleFaults: LifecycleFaults;
  readonly iam: IamStore;
  readonly ec2: Ec2Store;
  readonly eks: EksStore;
  /** The Kubernetes versions EKS offers and their support calendar. */
  readonly eksVersions: EksVersionTable;
  /** Applied Service Quotas values. */
  readonly quotas: QuotaStore;
  readonly ecr: EcrStore;
  readonly s3: S3Store;
  /** Zones EKS refuses for control planes (zones.ts's choice unless a test sets them). */
  readonly eksUnsupportedZones: readonly string[];
  /** The kube-apiserver every EKS cluster reports once ACTIVE (may be set after start). */
  kube: KubeApiserverBinding | undefined;
  /** The emulator's own base URL, e.g. http://127.0.0.1:4566 (known once listening). */
  url: string;
}
