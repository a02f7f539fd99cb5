// IAM roles (with their trust policy, managed and inline policies) and OpenID Connect providers.

import type { Tag } from './service.js';
import { isoSeconds } from './xml.js';

export interface Role {
  name: string;
  path: string;
  id: string;
  arn: string;
  createdAt: number;
  /** The trust policy exactly as given (AWS returns it URL-encoded). */
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  /** Attached managed policy ARNs, in attach order. */
  attachedPolicies: string[];
  /** Inline permissions policies: name -> document exactly as given. */
  inlinePolicies: Map<string, string>;
}

export interface OidcProvider {
  arn: string;
  /** The issuer URL without its https:// scheme, as IAM keeps and returns it. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  createdAt: number;
  tags: Tag[];
}

export interface RoleState {
  RoleName: string;
  Arn: string;
  RoleId: string;
  Path: string;
  CreateDate: string;
  AssumeRolePolicyDocument: unknown;
  Description?: string;
  MaxSessionDuration: number;
  Tags: Tag[];
  AttachedPolicyArns: string[];
  /** Inline policies by name, decoded. */
  InlinePolicies: Record<string, unknown>;
}

export interface OidcProviderState {
  Arn: string;
  Url: string;
  ClientIDList: string[];
  ThumbprintList: string[];
  CreateDate: string;
  Tags: Tag[];
}

interface TrustStatement {
  Effect?: string;
  Principal?: { Service?: string | string[] } | string;
  Action?: string | string[];
}

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** IAM's wildcard match for actions: '*' and '?' in the pattern, case-insensitive. */
function actionMatches(pattern: string, action: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(action);
}

export class IamStore {
  readonly roles = new Map<string, Role>();
  readonly oidcProviders = new Map<string, OidcProvider>();

  roleByArn(arn: string): Role | undefined {
    for (const r of this.roles.values()) if (r.arn === arn) return r;
    return undefined;
  }

  private trustStatements(role: Role): TrustStatement[] {
    try {
      const doc = JSON.parse(role.assumeRolePolicyDocument) as { Statement?: unknown };
      const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
      return statements.filter((s): s is TrustStatement => typeof s === 'object' && s !== null);
    } catch {
      return [];
    }
  }

  /** Service principals (e.g. eks.amazonaws.com) the role's trust policy lets assume it. */
  trustedServices(role: Role): string[] {
    return this.trustStatements(role)
      .filter((s) => s.Effect === 'Allow' && typeof s.Principal === 'object')
      .flatMap((s) => asList((s.Principal as { Service?: string | string[] }).Service));
  }

  /**
   * Whether an Allow statement of the trust policy grants `action` to the service principal.
   * Statements are combined, as IAM evaluates them; conditions are not evaluated.
   */
  trustAllows(role: Role, service: string, action: string): boolean {
    return this.trustStatements(role).some(
      (s) =>
        s.Effect === 'Allow' &&
        typeof s.Principal === 'object' &&
        asList(s.Principal.Service).includes(service) &&
        asList(s.Action).some((a) => actionMatches(a, action)),
    );
  }

  snapshot(): { roles: RoleState[]; oidcProviders: OidcProviderState[] } {
    return {
      roles: [...this.roles.values()].map((r) => ({
        RoleName: r.name,
        Arn: r.arn,
        RoleId: r.id,
        Path: r.path,
        CreateDate: isoSeconds(r.createdAt),
        AssumeRolePolicyDocument: safeJson(r.assumeRolePolicyDocument),
        ...(r.description !== undefined ? { Description: r.description } : {}),
        MaxSessionDuration: r.maxSessionDuration,
        Tags: r.tags.map((t) => ({ ...t })),
        AttachedPolicyArns: [...r.attachedPolicies],
        InlinePolicies: Object.fromEntries([...r.inlinePolicies].map(([n, d]) => [n, safeJson(d)])),
      })),
      oidcProviders: [...this.oidcProviders.values()].map((o) => ({
        Arn: o.arn,
        Url: o.url,
        ClientIDList: [...o.clientIds],
        ThumbprintList: [...o.thumbprints],
        CreateDate: isoSeconds(o.createdAt),
        Tags: o.tags.map((t) => ({ ...t })),
      })),
    };
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
