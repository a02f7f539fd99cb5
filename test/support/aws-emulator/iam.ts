// IAM (awsQuery protocol): roles, their trust policy, managed policy attachments and tags; inline
// role policies (iam-inline.ts) and OpenID Connect providers (iam-oidc.ts).

import { AwsError } from './errors.js';
import {
  type IamOp,
  invalidInput,
  mergeTags,
  noSuchEntity,
  readTags,
  roleNamed,
  validation,
} from './iam-common.js';
import { inlinePolicyOps } from './iam-inline.js';
import { oidcProviderOps } from './iam-oidc.js';
import { MANAGED_POLICY_ARNS, policyNameOf } from './iam-policies.js';
import type { Role } from './iam-store.js';
import { checkTrustPolicy } from './iam-trust.js';
import type { EmulatorContext } from './context.js';
import { paginate } from './paging.js';
import { queryReply } from './protocol.js';
import { loggedParams, readQueryCall } from './query-service.js';
import type { ServiceModule } from './service.js';
import { isoSeconds, type XmlObject } from './xml.js';

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const MAX_ATTACHED = 10;

function roleXml(r: Role, withTags: boolean): XmlObject {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.id,
    Arn: r.arn,
    CreateDate: isoSeconds(r.createdAt),
    // IAM really returns the trust policy URL-encoded; clients must decode it.
    AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicyDocument),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    Tags: withTags && r.tags.length > 0 ? r.tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined,
  };
}

const roleOps: Record<string, IamOp> = {
  CreateRole(ctx, p) {
    const name = p.required('RoleName');
    if (!ROLE_NAME.test(name)) {
      throw validation(
        `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint.`,
      );
    }
    const path = p.str('Path') ?? '/';
    if (!/^\/([\x21-\x7e]+\/)?$/.test(path))
      throw validation(`The specified value for path is invalid: ${path}`);
    const doc = p.required('AssumeRolePolicyDocument');
    checkTrustPolicy(ctx, doc);
    const maxSessionDuration = p.int('MaxSessionDuration') ?? 3600;
    if (maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw validation('MaxSessionDuration must be between 3600 and 43200 seconds.');
    }
    const tags = mergeTags([], readTags(p));
    if (ctx.iam.roles.has(name))
      throw new AwsError('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
    const description = p.str('Description');
    const role: Role = {
      name,
      path,
      id: `AROA${ctx.random.alnum(17)}`,
      arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
      createdAt: ctx.clock.now(),
      assumeRolePolicyDocument: doc,
      ...(description !== undefined ? { description } : {}),
      maxSessionDuration,
      tags,
      attachedPolicies: [],
      inlinePolicies: new Map(),
    };
    ctx.iam.roles.set(name, role);
    return { Role: roleXml(role, true) };
  },
  GetRole(ctx, p) {
    return { Role: { ...roleXml(roleNamed(ctx, p), true), RoleLastUsed: {} } };
  },
  ListRoles(ctx, p) {
    const prefix = p.str('PathPrefix') ?? '/';
    const all = [...ctx.iam.roles.values()].filter((r) => r.path.startsWith(prefix));
    const page = paginate(
      all,
      { token: p.str('Marker'), max: p.int('MaxItems'), scope: `roles:${prefix}`, defaultMax: 100 },
      invalidInput,
    );
    return {
      Roles: page.items.map((r) => roleXml(r, false)),
      IsTruncated: page.next !== undefined,
      Marker: page.next,
    };
  },
  DeleteRole(ctx, p) {
    const role = roleNamed(ctx, p);
    if (role.attachedPolicies.length > 0) {
      throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
    }
    if (role.inlinePolicies.size > 0) {
      throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
    }
    ctx.iam.roles.delete(role.name);
    return undefined;
  },
  UpdateAssumeRolePolicy(ctx, p) {
    const role = roleNamed(ctx, p);
    const doc = p.required('PolicyDocument');
    checkTrustPolicy(ctx, doc);
    role.assumeRolePolicyDocument = doc;
    return undefined;
  },
  AttachRolePolicy(ctx, p) {
    const role = roleNamed(ctx, p);
    const arn = p.required('PolicyArn');
    if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+/.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`);
    if (!MANAGED_POLICY_ARNS.has(arn))
      throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    if (!role.attachedPolicies.includes(arn)) {
      if (role.attachedPolicies.length >= MAX_ATTACHED) {
        throw new AwsError('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED}`, 409);
      }
      role.attachedPolicies.push(arn);
    }
    return undefined;
  },
  DetachRolePolicy(ctx, p) {
    const role = roleNamed(ctx, p);
    const arn = p.required('PolicyArn');
    if (!role.attachedPolicies.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
    role.attachedPolicies = role.attachedPolicies.filter((a) => a !== arn);
    return undefined;
  },
  ListAttachedRolePolicies(ctx, p) {
    const role = roleNamed(ctx, p);
    const page = paginate(
      role.attachedPolicies,
      { token: p.str('Marker'), max: p.int('MaxItems'), scope: `attached:${role.name}`, defaultMax: 100 },
      invalidInput,
    );
    return {
      AttachedPolicies: page.items.map((arn) => ({ PolicyName: policyNameOf(arn), PolicyArn: arn })),
      IsTruncated: page.next !== undefined,
      Marker: page.next,
    };
  },
  TagRole(ctx, p) {
    const role = roleNamed(ctx, p);
    role.tags = mergeTags(role.tags, readTags(p));
    return undefined;
  },
  UntagRole(ctx, p) {
    const role = roleNamed(ctx, p);
    const keys = new Set(p.list('TagKeys.member'));
    role.tags = role.tags.filter((t) => !keys.has(t.Key));
    return undefined;
  },
  ListRoleTags(ctx, p) {
    const role = roleNamed(ctx, p);
    const page = paginate(
      role.tags,
      { token: p.str('Marker'), max: p.int('MaxItems'), scope: `tags:${role.name}`, defaultMax: 100 },
      invalidInput,
    );
    return {
      Tags: page.items.map((t) => ({ Key: t.Key, Value: t.Value })),
      IsTruncated: page.next !== undefined,
      Marker: page.next,
    };
  },
};

const ops: Record<string, IamOp> = { ...roleOps, ...inlinePolicyOps, ...oidcProviderOps };
const KNOWN = new Set(Object.keys(ops));

export function iamService(ctx: EmulatorContext): ServiceModule {
  return {
    name: 'iam',
    protocol: 'query',
    resolve(req) {
      const { action, params } = readQueryCall(
        req,
        (n) => validation(`1 validation error detected: ${n} must not be null`),
        KNOWN,
      );
      return {
        operation: action,
        params: loggedParams(params),
        run: () => queryReply('iam', action, req.requestId, ops[action]!(ctx, params)),
      };
    },
  };
}
