/**
 * CI identity without stored keys (`ci:` in the cluster spec, `--ci-github-repo` on the command
 * line): GitHub Actions workflows of the listed repositories may assume one role of the cluster
 * through the account's IAM OpenID Connect provider for GitHub, and with it push to the cluster's
 * ECR repositories and nothing else.
 *
 * GitHub's token names the workflow's repository and context in its `sub` claim
 * (`repo:<owner>/<repo>:ref:refs/heads/main`, `...:environment:prod`, `...:pull_request`); the
 * role's trust policy matches it with StringLike, so a repository alone means any context
 * (`repo:<owner>/<repo>:*`) and `subjects` narrow it.
 */
import { z } from 'zod';
import { partitionOf } from './identity.js';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience aws-actions/configure-aws-credentials asks GitHub for (GitHub's AWS guide). */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** IAM's default quota for a role's trust policy, white space not counted. */
export const MAX_TRUST_POLICY = 2048;

// GitHub's rules: an owner is 1-39 letters, digits or single inner hyphens; a repository name
// 1-100 letters, digits, '.', '_' or '-', and never '.' or '..'.
const OWNER = '[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}';
const REPO = '(?!\\.\\.?(?::|$))[A-Za-z0-9._-]{1,100}';
const REPOSITORY = new RegExp(`^${OWNER}/${REPO}$`);
// The contexts GitHub writes after the repository. Branch, tag and environment names may hold
// IAM's wildcards * and ?, but not the characters that would let them reach another repository.
const VALUE = '[A-Za-z0-9._/*?+@=-]+';
const CONTEXT = new RegExp(
  `^(ref:refs/heads/${VALUE}|ref:refs/tags/${VALUE}|environment:${VALUE}|pull_request)$`,
);
const FULL_SUBJECT = new RegExp(`^repo:(${OWNER}/${REPO}):(.+)$`);

export const githubRepository = z
  .string({ error: 'expected "owner/repository"' })
  .regex(REPOSITORY, { error: 'must be a GitHub repository as "owner/repository"' });

const subject = z.string({ error: 'expected a string' }).superRefine((s, ctx) => {
  const full = FULL_SUBJECT.exec(s);
  const context = full ? full[2]! : s;
  if (!CONTEXT.test(context)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be a GitHub OIDC subject context (ref:refs/heads/<branch>, ref:refs/tags/<tag>, environment:<name> or pull_request), optionally as repo:<owner>/<repository>:<context>',
    });
  }
});

export const ciSchema = z
  .strictObject({
    github: z.strictObject({
      repositories: z
        .array(githubRepository)
        .min(1, { error: 'expected at least one repository' })
        .superRefine((list, ctx) => {
          const seen = new Set<string>();
          list.forEach((r, i) => {
            if (seen.has(r.toLowerCase()))
              ctx.addIssue({ code: 'custom', path: [i], message: 'is listed twice' });
            seen.add(r.toLowerCase());
          });
        }),
      /** Narrower subjects: a context for every repository, or repo:<owner>/<repository>:<context>. */
      subjects: z.array(subject).optional(),
    }),
  })
  .superRefine((ci, ctx) => {
    const listed = new Set(ci.github.repositories);
    (ci.github.subjects ?? []).forEach((s, i) => {
      const repo = FULL_SUBJECT.exec(s)?.[1];
      if (repo !== undefined && !listed.has(repo)) {
        ctx.addIssue({
          code: 'custom',
          path: ['github', 'subjects', i],
          message: `names ${repo}, which github.repositories does not list`,
        });
      }
    });
  });

export type CiSpec = z.output<typeof ciSchema>;

/**
 * The `sub` patterns the role trusts. A repository named by a full subject gets exactly those;
 * contexts without a repository apply to every repository; a repository with neither gets any
 * context of its own (`repo:<r>:*`).
 */
export function githubSubjects(ci: CiSpec): string[] {
  const given = ci.github.subjects ?? [];
  const contexts = given.filter((s) => !s.startsWith('repo:'));
  const out: string[] = [];
  for (const repo of ci.github.repositories) {
    const own = given.filter((s) => FULL_SUBJECT.exec(s)?.[1] === repo);
    const forRepo = [...own, ...contexts.map((c) => `repo:${repo}:${c}`)];
    out.push(...(forRepo.length > 0 ? forRepo : [`repo:${repo}:*`]));
  }
  return [...new Set(out)].sort();
}

export function githubProviderArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/**
 * The role's trust policy, as GitHub's and AWS's guides write it: web identity from GitHub's
 * provider, the audience of the official action, and the subjects above. GitHub sets no session
 * tags, so sts:TagSession is not needed.
 */
export function ciTrustPolicy(providerArn: string, subjects: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GithubActionsOfTheListedRepositories',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE },
          StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : [...subjects] },
        },
      },
    ],
  });
}

/** The size IAM counts: the document without white space. */
export function trustPolicySize(doc: string): number {
  return doc.replace(/\s/g, '').length;
}

/** A problem with the spec's `ci` that only the region tells (the trust policy's size), or none. */
export function ciSizeProblem(ci: CiSpec, region: string): string | undefined {
  // An account id is always 12 digits, so a placeholder one gives the real size.
  const doc = ciTrustPolicy(githubProviderArn(partitionOf(region), '000000000000'), githubSubjects(ci));
  const size = trustPolicySize(doc);
  return size > MAX_TRUST_POLICY
    ? `the role's trust policy would be ${size} characters; IAM takes at most ${MAX_TRUST_POLICY}: list fewer repositories or subjects`
    : undefined;
}
