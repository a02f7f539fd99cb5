// IAM roles: the only IAM resource EKS provisioning needs.

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
}

export class IamStore {
  readonly roles = new Map<string, Role>();

  roleByArn(arn: string): Role | undefined {
    for (const r of this.roles.values()) if (r.arn === arn) return r;
    return undefined;
  }

  /** Service principals (e.g. eks.amazonaws.com) the role's trust policy lets assume it. */
  trustedServices(role: Role): string[] {
    try {
      const doc = JSON.parse(role.assumeRolePolicyDocument) as { Statement?: unknown };
      const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
      const out: string[] = [];
      for (const s of statements as { Effect?: string; Principal?: { Service?: string | string[] } }[]) {
        if (s?.Effect !== 'Allow') continue;
        const svc = s.Principal?.Service;
        if (typeof svc === 'string') out.push(svc);
        else if (Array.isArray(svc)) out.push(...svc);
      }
      return out;
    } catch {
      return [];
    }
  }

  snapshot(): { roles: RoleState[] } {
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
