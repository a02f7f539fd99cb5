// IAM inline role policies: PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy.
// A role's inline policies share one size quota (10,240 characters, white space not counted).

import type { EmulatorContext } from './context.js';
import {
  checkName,
  type IamOp,
  invalidInput,
  limitExceeded,
  noSuchEntity,
  roleNamed,
  validation,
} from './iam-common.js';
import { parsePolicyDocument, policySize } from './iam-policy-doc.js';
import type { Role } from './iam-store.js';
import { paginate } from './paging.js';
import type { QueryParams } from './query.js';

const MAX_INLINE_TOTAL = 10_240;
const MAX_DOCUMENT = 131_072;
/** The characters IAM's model allows in a policy document: tab, newlines, printable Latin-1. */
function allowedChars(doc: string): boolean {
  for (let i = 0; i < doc.length; i++) {
    const c = doc.charCodeAt(i);
    if (!(c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xff))) return false;
  }
  return doc.length > 0;
}

function policyName(p: QueryParams): string {
  const name = p.required('PolicyName');
  checkName('policyName', name, 128);
  return name;
}

function inlinePolicy(role: Role, name: string): string {
  const doc = role.inlinePolicies.get(name);
  if (doc === undefined) throw noSuchEntity(`The role policy with name ${name} cannot be found.`);
  return doc;
}

export const inlinePolicyOps: Record<string, IamOp> = {
  PutRolePolicy(ctx: EmulatorContext, p) {
    const role = roleNamed(ctx, p);
    const name = policyName(p);
    const doc = p.required('PolicyDocument');
    if (doc.length > MAX_DOCUMENT || !allowedChars(doc)) {
      throw validation(
        "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
      );
    }
    parsePolicyDocument(doc, 'permissions');
    const others = [...role.inlinePolicies].filter(([n]) => n !== name).map(([, d]) => policySize(d));
    const total = others.reduce((a, b) => a + b, policySize(doc));
    if (total > MAX_INLINE_TOTAL) {
      throw limitExceeded(`Maximum policy size of ${MAX_INLINE_TOTAL} bytes exceeded for role ${role.name}`);
    }
    role.inlinePolicies.set(name, doc);
    return undefined;
  },

  GetRolePolicy(ctx, p) {
    const role = roleNamed(ctx, p);
    const name = policyName(p);
    // IAM answers the document URL-encoded, as it does trust policies.
    return {
      RoleName: role.name,
      PolicyName: name,
      PolicyDocument: encodeURIComponent(inlinePolicy(role, name)),
    };
  },

  ListRolePolicies(ctx, p) {
    const role = roleNamed(ctx, p);
    const max = p.int('MaxItems');
    if (max !== undefined && (max < 1 || max > 1000))
      throw invalidInput('MaxItems must be between 1 and 1000.');
    const names = [...role.inlinePolicies.keys()].sort();
    const page = paginate(
      names,
      { token: p.str('Marker'), max, scope: `inline:${role.name}`, defaultMax: 100 },
      invalidInput,
    );
    return { PolicyNames: page.items, IsTruncated: page.next !== undefined, Marker: page.next };
  },

  DeleteRolePolicy(ctx, p) {
    const role = roleNamed(ctx, p);
    const name = policyName(p);
    inlinePolicy(role, name);
    role.inlinePolicies.delete(name);
    return undefined;
  },
};
