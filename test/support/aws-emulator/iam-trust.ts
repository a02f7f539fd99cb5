// A role's trust policy, checked as IAM checks it when CreateRole or UpdateAssumeRolePolicy
// stores it: the document itself (iam-policy-doc.ts), its size, its principals (a federated
// principal must name a provider that exists), and AWS's guard on GitHub's shared OIDC issuer.

import type { EmulatorContext } from './context.js';
import { limitExceeded } from './iam-common.js';
import {
  malformed,
  parsePolicyDocument,
  policySize,
  principalValues,
  type Statement,
} from './iam-policy-doc.js';

/** IAM's default quota for a trust policy (role trust policy length), white space not counted. */
const MAX_TRUST_POLICY = 2048;
const PRINCIPAL_KEYS = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const GITHUB_ISSUER = 'token.actions.githubusercontent.com';
/** Operators IAM accepts as scoping GitHub's `sub` claim (its own message lists these three). */
const SCOPING_OPERATORS = ['StringEquals', 'StringLike', 'StringEqualsIgnoreCase'];
/** Web identity providers built into AWS: federated principals that need no IAM provider. */
const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/i;

function checkPrincipalShape(principal: unknown): void {
  if (principal === '*') return;
  const ok =
    typeof principal === 'object' &&
    principal !== null &&
    !Array.isArray(principal) &&
    Object.keys(principal).length > 0 &&
    Object.entries(principal).every(
      ([k, v]) =>
        PRINCIPAL_KEYS.has(k) &&
        (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))),
    );
  if (!ok) throw malformed('Invalid principal in policy');
}

/** A federated principal is a provider ARN that must exist, or a built-in web identity domain. */
function checkFederated(ctx: EmulatorContext, value: string): void {
  const arn = /^arn:aws:iam::(\d{12}):(oidc-provider|saml-provider)\/(.+)$/.exec(value);
  if (!arn) {
    if (DOMAIN_RE.test(value)) return;
    throw malformed('Federated principals must be valid domain names or SAML metadata ARNs');
  }
  // IAM resolves every principal to an internal id when it stores the policy, so a provider
  // that does not exist (yet) is refused. The emulator has no SAML providers.
  const exists = arn[2] === 'oidc-provider' && arn[1] === ctx.accountId && ctx.iam.oidcProviders.has(value);
  if (!exists) throw malformed(`Invalid principal in policy: "Federated":"${value}"`);
}

/**
 * AWS refuses a trust policy that lets GitHub's shared issuer in without scoping the `sub` (or
 * `job_workflow_ref`) claim to something narrower than '*': any repository on GitHub could
 * otherwise assume the role.
 */
function checkGithubScope(statement: Statement, provider: string): void {
  const claims = ['sub', 'job_workflow_ref'].map((c) => `${GITHUB_ISSUER}:${c}`);
  const scoped = Object.entries(statement.Condition ?? {}).some(
    ([operator, block]) =>
      SCOPING_OPERATORS.includes(operator) &&
      Object.entries(block).some(([key, values]) => claims.includes(key) && values.some((v) => v !== '*')),
  );
  if (!scoped) {
    throw malformed(
      `Trust policy with trusted principal ${provider} must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, ${claims.join(' or ')} which is not scoped to all.`,
    );
  }
}

export function checkTrustPolicy(ctx: EmulatorContext, doc: string): void {
  const policy = parsePolicyDocument(doc, 'trust');
  if (policySize(doc) > MAX_TRUST_POLICY) {
    throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${MAX_TRUST_POLICY}`);
  }
  for (const s of policy.Statement) {
    checkPrincipalShape(s.Principal);
    for (const federated of principalValues(s.Principal, 'Federated')) {
      checkFederated(ctx, federated);
      if (s.Effect === 'Allow' && federated.endsWith(`:oidc-provider/${GITHUB_ISSUER}`)) {
        checkGithubScope(s, federated);
      }
    }
  }
}
