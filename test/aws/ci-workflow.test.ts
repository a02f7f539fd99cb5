// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions are ${{ ... }} on purpose
// `gitops ci workflow` against the emulator: the workflow names the CI role, the registry and the
// repository bootstrap made; it parses as YAML with the fields that matter; and its shell runs.
// The tag step and the build step of the GitHub form, and the whole script form, are executed
// with bash/sh in a real git repository, with `aws` and `docker` replaced by recorders.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AwsClients } from '../../src/integrations/aws/clients.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import { ciWorkflow } from '../../src/usecases/ci/workflow.js';
import type { RunningEmulator } from '../support/aws-emulator/index.js';
import { clientsFor, expectOk, mlSpec, provision, startEmulator } from './fixtures.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Workflow {
  on: { push: { branches: string[] } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: { image: { steps: Step[] } };
}

describe('gitops ci workflow', () => {
  let emu: RunningEmulator;
  let aws: AwsClients;
  let work: string;
  let repo: string;
  let sha: string;
  let seconds: string;
  const registry = () => `${emu.accountId}.dkr.ecr.us-west-2.amazonaws.com`;
  const roleArn = () => `arn:aws:iam::${emu.accountId}:role/gitops-ci/gitops-research-ci`;

  /** `aws` and `docker` that log their arguments; describe-images finds an image only when told to. */
  const stubs = (found: boolean) => {
    const bin = mkdtempSync(join(work, 'bin-'));
    const log = join(bin, 'calls.log');
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('aws', `case "$2" in describe-images) exit ${found ? 0 : 254};; get-login-password) echo pw;; esac`);
    stub('docker', 'cat > /dev/null');
    return {
      path: `${bin}:${process.env['PATH']}`,
      calls: () => readFileSync(log, 'utf8').trim().split('\n'),
    };
  };

  beforeAll(async () => {
    emu = await startEmulator();
    aws = clientsFor(emu);
    expectOk(
      await provision(mlSpec('research', { ci: { github: { repositories: ['acme/notebooks'] } } }), aws),
    );
    work = mkdtempSync(join(tmpdir(), 'gitops-ci-workflow-'));
    repo = join(work, 'app');
    const git = (...a: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], {
        encoding: 'utf8',
      });
    execFileSync('git', ['init', '-q', '--initial-branch=main', repo]);
    writeFileSync(join(repo, 'Dockerfile'), 'FROM scratch\n');
    git('add', '.');
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'app'], {
      env: { ...process.env, GIT_COMMITTER_DATE: '@1767225600 +0000' },
    });
    sha = git('rev-parse', 'HEAD').trim();
    seconds = git('log', '-1', '--format=%ct').trim();
  });
  afterAll(async () => {
    await emu.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('the GitHub workflow parses and names the OIDC permission, the role, the registry and both tags', async () => {
    const doc = await ciWorkflow({
      clients: { aws },
      cluster: 'research',
      repository: 'research/notebook',
      format: 'github',
    });
    expect(doc).toMatchObject({ roleArn: roleArn(), registry: registry(), repository: 'research/notebook' });
    expect(doc.path).toBe('.github/workflows/image.yaml');
    const wf = parse(doc.content) as Workflow;
    expect(wf.on.push.branches).toEqual(['main']);
    expect(wf.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(wf.env).toEqual({
      AWS_REGION: 'us-west-2',
      ECR_REGISTRY: registry(),
      ECR_REPOSITORY: 'research/notebook',
    });
    const steps = wf.jobs.image.steps;
    const creds = steps.find((s) => s.uses === 'aws-actions/configure-aws-credentials@v4');
    expect(creds?.with).toEqual({ 'role-to-assume': roleArn(), 'aws-region': '${{ env.AWS_REGION }}' });
    expect(steps.map((s) => s.uses ?? s.name)).toEqual([
      'actions/checkout@v4',
      'Test',
      'aws-actions/configure-aws-credentials@v4',
      'aws-actions/amazon-ecr-login@v2',
      'Tags',
      'Build and push',
    ]);
    // No long-lived key anywhere in the file.
    expect(doc.content).not.toMatch(/aws-access-key-id|aws-secret-access-key|secrets\./);
  });

  it('its tag step computes <branch>-<commit seconds>-<sha7>, and its build step pushes both tags', async () => {
    const doc = await ciWorkflow({
      clients: { aws },
      cluster: 'research',
      repository: 'research/notebook',
      format: 'github',
    });
    const steps = (parse(doc.content) as Workflow).jobs.image.steps;
    const out = join(work, 'github-output');
    const runStep = (step: Step, path: string, env: Record<string, string> = {}) =>
      execFileSync('bash', ['-e', '-c', step.run!], {
        cwd: repo,
        env: {
          PATH: path,
          GITHUB_REF_NAME: 'main',
          GITHUB_SHA: sha,
          GITHUB_OUTPUT: out,
          ECR_REGISTRY: registry(),
          ECR_REPOSITORY: 'research/notebook',
          ...env,
        },
      });
    const fresh = stubs(false);
    writeFileSync(out, '');
    runStep(steps.find((s) => s.id === 'tags')!, fresh.path);
    const tag = `main-${seconds}-${sha.slice(0, 7)}`;
    expect(readFileSync(out, 'utf8')).toBe(`tag=${tag}\n`);
    expect(seconds).toBe('1767225600');
    runStep(steps.find((s) => s.name === 'Build and push')!, fresh.path, { TAG: tag });
    const image = `${registry()}/research/notebook`;
    expect(fresh.calls()).toEqual([
      `aws ecr describe-images --repository-name research/notebook --image-ids imageTag=${sha}`,
      `docker build --tag ${image}:${sha} --tag ${image}:${tag} .`,
      `docker push ${image}:${sha}`,
      `docker push ${image}:${tag}`,
    ]);
    // A commit already pushed is skipped: the build step's condition reads this output.
    const pushed = stubs(true);
    writeFileSync(out, '');
    runStep(steps.find((s) => s.id === 'tags')!, pushed.path, { GITHUB_REF_NAME: 'feature/x y' });
    expect(readFileSync(out, 'utf8')).toBe(`tag=feature-x-y-${seconds}-${sha.slice(0, 7)}\npushed=true\n`);
    expect(steps.find((s) => s.name === 'Build and push')?.if).toBe("steps.tags.outputs.pushed != 'true'");
  });

  it('the script logs in, builds and pushes the same two tags with sh', async () => {
    const doc = await ciWorkflow({
      clients: { aws },
      cluster: 'research',
      repository: 'research/model-server',
      format: 'script',
    });
    expect(doc.content.startsWith('#!/bin/sh\n')).toBe(true);
    expect(doc.content).toContain(roleArn());
    writeFileSync(join(work, 'push.sh'), doc.content);
    const s = stubs(false);
    const printed = execFileSync('sh', [join(work, 'push.sh')], {
      cwd: repo,
      env: { PATH: s.path, BRANCH: 'main' },
      encoding: 'utf8',
    });
    const image = `${registry()}/research/model-server`;
    const tag = `main-${seconds}-${sha.slice(0, 7)}`;
    expect(printed.trim()).toBe(`${image}:${tag}`);
    const calls = s.calls();
    expect(calls[0]).toBe(
      `aws ecr describe-images --repository-name research/model-server --image-ids imageTag=${sha}`,
    );
    // The two ends of the login pipe run at once: either may log first.
    expect(calls.slice(1, 3).sort()).toEqual([
      'aws ecr get-login-password --region us-west-2',
      `docker login --username AWS --password-stdin ${registry()}`,
    ]);
    expect(calls.slice(3)).toEqual([
      `docker build --tag ${image}:${sha} --tag ${image}:${tag} .`,
      `docker push ${image}:${sha}`,
      `docker push ${image}:${tag}`,
    ]);
  });

  it('asks which repository when the cluster has several, and refuses one that is not the cluster’s', async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => (isGitopsError(e) ? e : undefined),
      );
    const several = await err(ciWorkflow({ clients: { aws }, cluster: 'research', format: 'github' }));
    expect(several?.message).toBe(
      'cluster research has 2 ECR repositories; --repository names the one to push to',
    );
    expect(several?.hint).toBe('one of: research/model-server, research/notebook');
    const other = await err(
      ciWorkflow({ clients: { aws }, cluster: 'research', repository: 'other/x', format: 'github' }),
    );
    expect(other?.message).toBe('--repository other/x: not an ECR repository of cluster research');
    const none = await err(ciWorkflow({ clients: { aws }, cluster: 'nope', format: 'github' }));
    expect(none).toMatchObject({
      code: 'GITOPS_NOT_FOUND',
      message: 'cluster nope in us-west-2 has no CI role',
    });
  });
});
