// EC2 network resources and the relations EC2 enforces between them.

import { type Lifecycle, type Phase, phaseOf, type ScaledClock } from './clock.js';
import type { SeededRandom } from './random.js';
import type { Tag } from './service.js';

interface Ec2Base {
  id: string;
  tags: Tag[];
  createdAt: number;
}

export interface Vpc extends Ec2Base {
  cidr: string;
  cidrAssociationId: string;
  dnsSupport: boolean;
  dnsHostnames: boolean;
  tenancy: string;
  mainRouteTableId: string;
}

export interface Subnet extends Ec2Base {
  vpcId: string;
  cidr: string;
  az: string;
  azId: string;
  mapPublicIpOnLaunch: boolean;
}

export interface InternetGateway extends Ec2Base {
  vpcId?: string;
}

export interface Route {
  destination: string;
  gatewayId?: string;
  natGatewayId?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteAssociation {
  id: string;
  subnetId?: string;
  main: boolean;
}

export interface RouteTable extends Ec2Base {
  vpcId: string;
  routes: Route[];
  associations: RouteAssociation[];
}

export interface Address extends Ec2Base {
  publicIp: string;
  natGatewayId?: string;
  associationId?: string;
}

export interface NatGateway extends Ec2Base {
  subnetId: string;
  vpcId: string;
  allocationId?: string;
  connectivityType: 'public' | 'private';
  lifecycle: Lifecycle;
  networkInterfaceId: string;
  privateIp: string;
}

export type NatState = 'pending' | 'available' | 'failed' | 'deleting' | 'deleted';

export interface IdempotencyRecord {
  operation: string;
  fingerprint: string;
  resourceId: string;
}

export class Ec2Store {
  readonly vpcs = new Map<string, Vpc>();
  readonly subnets = new Map<string, Subnet>();
  readonly internetGateways = new Map<string, InternetGateway>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly addresses = new Map<string, Address>();
  readonly natGateways = new Map<string, NatGateway>();
  /** ClientToken -> what it created (EC2 answers a retried create with the same resource). */
  readonly clientTokens = new Map<string, IdempotencyRecord>();
  private ipCounter = 0;

  constructor(
    private readonly clock: ScaledClock,
    private readonly random: SeededRandom,
  ) {}

  newId(prefix: string): string {
    return `${prefix}-${this.random.hex(17)}`;
  }

  /** Public addresses come from the documentation ranges (RFC 5737), never real ones. */
  nextPublicIp(): string {
    const ranges = ['203.0.113', '198.51.100', '192.0.2'];
    const n = this.ipCounter++;
    return `${ranges[Math.floor(n / 254) % ranges.length]}.${(n % 254) + 1}`;
  }

  natPhase(nat: NatGateway): Phase {
    return phaseOf(nat.lifecycle, this.clock.now());
  }

  natState(nat: NatGateway): NatState {
    switch (this.natPhase(nat)) {
      case 'creating':
        return 'pending';
      case 'ready':
      case 'updating':
        return 'available';
      case 'failed':
        return 'failed';
      case 'deleting':
        return 'deleting';
      case 'gone':
        return 'deleted';
    }
  }

  /** A NAT gateway holds its subnet, address and VPC until it is deleted (or failed). */
  natHoldsResources(nat: NatGateway): boolean {
    const s = this.natState(nat);
    return s === 'pending' || s === 'available' || s === 'deleting';
  }

  /** The resource with this id, whatever its type (for CreateTags/DeleteTags). */
  taggable(id: string): Ec2Base | undefined {
    return (
      this.vpcs.get(id) ??
      this.subnets.get(id) ??
      this.internetGateways.get(id) ??
      this.routeTables.get(id) ??
      this.addresses.get(id) ??
      this.natGateways.get(id)
    );
  }

  /** Forget NAT gateways whose 'deleted' record has aged out, as EC2 does after about an hour. */
  sweep(): void {
    const now = this.clock.now();
    for (const [id, nat] of this.natGateways) {
      const goneAt = nat.lifecycle.goneAt;
      if (goneAt !== undefined && now >= this.clock.after('natDeletedRetention', goneAt)) {
        this.natGateways.delete(id);
      }
    }
  }
}
