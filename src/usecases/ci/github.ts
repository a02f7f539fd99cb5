// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions are ${{ ... }} on purpose
/**
 * The GitHub Actions form of the CI workflow. Written as data and serialised by the YAML library,
 * so any value (a repository name, an ARN) comes out as valid YAML. The actions are the ones
 * GitHub's and AWS's guides use: aws-actions/configure-aws-credentials exchanges the job's OIDC
 * token (hence `id-token: write`) for the CI role's credentials, aws-actions/amazon-ecr-login logs
 * Docker in to the registry.
 */
import { stringify } from 'yaml';
import type { WorkflowInputs } from './inputs.js';

/** Shell (bash on GitHub's runners) that computes both tags and says whether the commit was pushed. */
export function tagScript(): string {
  return [
    "# The commit's own time, so a re-run of an old build never outranks a newer commit.",
    'seconds="$(git log -1 --format=%ct HEAD)"',
    '# A Docker tag holds letters, digits, _ . - (128 at most): other characters of the branch become -.',
    `branch="$(printf '%s' "$GITHUB_REF_NAME" | tr -c 'A-Za-z0-9_.-' '-' | cut -c1-100)"`,
    'echo "tag=${branch}-${seconds}-${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"',
    'if aws ecr describe-images --repository-name "$ECR_REPOSITORY" --image-ids "imageTag=$GITHUB_SHA" >/dev/null 2>&1; then',
    '  echo "pushed=true" >> "$GITHUB_OUTPUT"',
    'fi',
  ].join('\n');
}

export function githubWorkflow(w: WorkflowInputs): string {
  const workflow = {
    name: 'image',
    on: { push: { branches: [w.branch] }, workflow_dispatch: {} },
    // id-token: write lets the job ask GitHub for the OIDC token the CI role trusts.
    permissions: { 'id-token': 'write', contents: 'read' },
    // One build per branch at a time: pushes then reach the registry in commit order.
    concurrency: { group: 'image-${{ github.ref }}', 'cancel-in-progress': false },
    env: {
      AWS_REGION: w.region,
      ECR_REGISTRY: w.registry,
      ECR_REPOSITORY: w.repository,
    },
    jobs: {
      image: {
        'runs-on': 'ubuntu-latest',
        steps: [
          { uses: 'actions/checkout@v4' },
          {
            name: 'Test',
            run: [
              'if [ -f Makefile ] && make -n test >/dev/null 2>&1; then',
              '  make test',
              'else',
              `  echo "::notice::no 'make test' target: put this repository's tests here"`,
              'fi',
            ].join('\n'),
          },
          {
            name: 'AWS credentials of the CI role (no stored keys)',
            uses: 'aws-actions/configure-aws-credentials@v4',
            with: { 'role-to-assume': w.roleArn, 'aws-region': '${{ env.AWS_REGION }}' },
          },
          { name: 'Log in to ECR', uses: 'aws-actions/amazon-ecr-login@v2' },
          { name: 'Tags', id: 'tags', run: tagScript() },
          {
            name: 'Build and push',
            if: "steps.tags.outputs.pushed != 'true'",
            env: { TAG: '${{ steps.tags.outputs.tag }}' },
            run: [
              'image="$ECR_REGISTRY/$ECR_REPOSITORY"',
              'docker build --tag "$image:$GITHUB_SHA" --tag "$image:$TAG" .',
              'docker push "$image:$GITHUB_SHA"',
              '# Last: the tag the cluster follows appears once the image is complete.',
              'docker push "$image:$TAG"',
            ].join('\n'),
          },
        ],
      },
    },
  };
  const header = [
    `Written by \`gitops ci workflow --cluster ${w.cluster} --repository ${w.repository}\`.`,
    `Tests, builds and pushes this repository's image to ${w.registry}/${w.repository} on every`,
    `push to ${w.branch}, tagged <branch>-<commit seconds>-<sha7> (the tag cluster ${w.cluster} follows) and`,
    'with the full commit sha. AWS credentials come from the CI role through GitHub OIDC: no stored keys.',
  ];
  return `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(workflow, { lineWidth: 0 })}`;
}
