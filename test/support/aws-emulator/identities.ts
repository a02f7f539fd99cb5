// The principals the emulator knows: access key -> secret + who that is. The default one is
// AWS's documented example key pair, which is public and obviously not a real credential.

import { createHash } from 'node:crypto';
import type { Identity } from './types.js';

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_IDENTITY: Identity = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  arn: `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:user/gitops-test`,
};

export interface Caller {
  accessKeyId: string;
  arn: string;
  /** IAM form of the ARN: assumed-role session ARNs become the role ARN (as aws-iam-authenticator does). */
  canonicalArn: string;
  accountId: string;
  /** GetCallerIdentity's UserId: AIDA... for users, AROA...:session for assumed roles. */
  userId: string;
  sessionName?: string;
}

const ARN_RE = /^arn:aws:(iam|sts)::(\d{12}):(user|role|assumed-role)\/(.+)$/;

export function canonicalizeArn(arn: string): string {
  const m = ARN_RE.exec(arn);
  if (!m) return arn;
  const [, , account, kind, rest] = m as unknown as [string, string, string, string, string];
  if (kind !== 'assumed-role') return arn;
  const role = rest.split('/')[0];
  return `arn:aws:iam::${account}:role/${role}`;
}

function stableId(prefix: string, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = prefix;
  for (let i = 0; i < 17; i++) out += chars[digest[i]! % 32];
  return out;
}

export function callerOf(id: Identity): Caller {
  const m = ARN_RE.exec(id.arn);
  const accountId = id.accountId ?? m?.[2] ?? DEFAULT_ACCOUNT_ID;
  const canonicalArn = canonicalizeArn(id.arn);
  if (m?.[3] === 'assumed-role') {
    const sessionName = (m[4] ?? '').split('/')[1] ?? '';
    return {
      accessKeyId: id.accessKeyId,
      arn: id.arn,
      canonicalArn,
      accountId,
      userId: `${stableId('AROA', canonicalArn)}:${sessionName}`,
      sessionName,
    };
  }
  return {
    accessKeyId: id.accessKeyId,
    arn: id.arn,
    canonicalArn,
    accountId,
    userId: stableId('AIDA', id.arn),
  };
}

export class IdentityRegistry {
  private readonly byKey = new Map<string, Identity>();

  constructor(initial: Identity[] = [DEFAULT_IDENTITY]) {
    for (const id of initial) this.add(id);
  }

  add(id: Identity): void {
    if (!ARN_RE.test(id.arn))
      throw new Error(`identity ARN must be an IAM user or (assumed) role ARN: ${id.arn}`);
    this.byKey.set(id.accessKeyId, { ...id });
  }

  get(accessKeyId: string): Identity | undefined {
    return this.byKey.get(accessKeyId);
  }
}
