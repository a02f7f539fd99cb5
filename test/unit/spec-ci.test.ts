// The spec's `ci`: which GitHub repositories and contexts may assume the CI role, checked when the
// spec is read (exit 2 naming the field or the flag), and the trust policy built from it.
import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/primitives/yaml.js';
import {
  ciTrustPolicy,
  githubProviderArn,
  githubSubjects,
  MAX_TRUST_POLICY,
  trustPolicySize,
} from '../../src/spec/ci.js';
import { buildClusterSpec } from '../../src/spec/from-flags.js';

const base = [
  'name: research',
  'region: us-west-2',
  'profile: { source: ml }',
  'fleet: { url: "https://h/f.git" }',
];

function fromYaml(lines: string[], flags: { ciGithubRepos?: string[] } = {}) {
  return buildClusterSpec({ file: parseYamlText([...base, ...lines].join('\n'), 'gitops.yaml'), flags });
}

describe('ci in the cluster spec', () => {
  it('a repository alone trusts any of its contexts', () => {
    const spec = fromYaml(['ci: { github: { repositories: [acme/api] } }']);
    expect(githubSubjects(spec.ci!)).toEqual(['repo:acme/api:*']);
  });

  it('contexts narrow every repository; a full subject narrows its own', () => {
    const spec = fromYaml([
      'ci:',
      '  github:',
      '    repositories: [acme/api, acme/web]',
      '    subjects: ["repo:acme/web:environment:prod", "ref:refs/heads/main", "ref:refs/tags/v*"]',
    ]);
    expect(githubSubjects(spec.ci!)).toEqual([
      'repo:acme/api:ref:refs/heads/main',
      'repo:acme/api:ref:refs/tags/v*',
      'repo:acme/web:environment:prod',
      'repo:acme/web:ref:refs/heads/main',
      'repo:acme/web:ref:refs/tags/v*',
    ]);
  });

  it('--ci-github-repo replaces the file list and keeps its subjects', () => {
    const spec = fromYaml(['ci: { github: { repositories: [acme/api], subjects: [pull_request] } }'], {
      ciGithubRepos: ['acme/one', 'acme/two'],
    });
    expect(githubSubjects(spec.ci!)).toEqual(['repo:acme/one:pull_request', 'repo:acme/two:pull_request']);
    const flagsOnly = fromYaml([], { ciGithubRepos: ['acme/one'] });
    expect(flagsOnly.ci).toEqual({ github: { repositories: ['acme/one'] } });
  });

  it.each([
    [['ci: { github: { repositories: [] } }'], /ci\.github\.repositories: expected at least one repository/],
    [
      ['ci: { github: { repositories: [acme] } }'],
      /repositories\[0\]: must be a GitHub repository as "owner\/repository"/,
    ],
    [['ci: { github: { repositories: [-acme/api] } }'], /must be a GitHub repository/],
    [['ci: { github: { repositories: [acme/..] } }'], /must be a GitHub repository/],
    [['ci: { github: { repositories: [acme/api, Acme/API] } }'], /repositories\[1\]: is listed twice/],
    [
      ['ci: { github: { repositories: [acme/api], subjects: ["*"] } }'],
      /subjects\[0\]: must be a GitHub OIDC subject context/,
    ],
    [
      ['ci: { github: { repositories: [acme/api], subjects: ["repo:acme/*:*"] } }'],
      /subjects\[0\]: must be a GitHub OIDC subject/,
    ],
    [
      ['ci: { github: { repositories: [acme/api], subjects: ["ref:refs/heads/main:x/repo:evil/x"] } }'],
      /subjects\[0\]: must be a GitHub OIDC subject/,
    ],
    [
      ['ci: { github: { repositories: [acme/api], subjects: ["repo:acme/web:pull_request"] } }'],
      /subjects\[0\]: names acme\/web, which github.repositories does not list/,
    ],
    [['ci: { github: { repositories: [acme/api], branch: main } }'], /ci\.github\.branch: unknown field/],
  ])('refuses %j', (lines, message) => {
    expect(() => fromYaml(lines)).toThrow(message);
  });

  it('names the flag for a bad --ci-github-repo', () => {
    expect(() => fromYaml([], { ciGithubRepos: ['not a repo'] })).toThrow(
      /^--ci-github-repo "not a repo": must be a GitHub repository/,
    );
  });

  it('refuses a spec whose trust policy IAM would refuse for its size', () => {
    const many = Array.from({ length: 60 }, (_, i) => `acme/repository-number-${i}`);
    expect(() => fromYaml([`ci: { github: { repositories: [${many.join(', ')}] } }`])).toThrow(
      new RegExp(
        `ci\\.github: the role's trust policy would be \\d+ characters; IAM takes at most ${MAX_TRUST_POLICY}`,
      ),
    );
  });

  it("the trust policy is GitHub's guide's: web identity, the action's audience, StringLike on sub", () => {
    const arn = githubProviderArn('aws', '123456789012');
    const doc = JSON.parse(ciTrustPolicy(arn, ['repo:acme/api:*']));
    expect(doc.Statement).toEqual([
      {
        Sid: 'GithubActionsOfTheListedRepositories',
        Effect: 'Allow',
        Principal: {
          Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/api:*' },
        },
      },
    ]);
    expect(trustPolicySize('{ "a" : 1 }')).toBe(7);
  });
});
