/**
 * The plain shell form of the CI workflow, for any CI: POSIX sh, git, Docker and the AWS CLI,
 * with the same tags as the GitHub form. The CI role trusts GitHub's OIDC tokens only, so another
 * CI brings credentials of its own that may do what the role may (named in the header).
 */
import type { WorkflowInputs } from './inputs.js';

/** A value as one single-quoted shell word. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function shellScript(w: WorkflowInputs): string {
  return `#!/bin/sh
# Written by \`gitops ci workflow --cluster ${w.cluster} --repository ${w.repository} --format script\`.
# Builds the image of the repository in the current folder and pushes it to
# ${w.registry}/${w.repository}, tagged <branch>-<commit seconds>-<sha7> (the tag cluster
# ${w.cluster} follows on ${w.branch}) and with the full commit sha.
#
# Needs git, docker and the AWS CLI, and AWS credentials (the SDK's usual chain) allowed to
# ecr:GetAuthorizationToken and to push to that repository: on GitHub Actions the CI role
# ${w.roleArn}
# through OIDC; elsewhere credentials of your own with the same permissions.
# BRANCH names the branch when the checkout is detached (most CIs check out a commit).
set -eu

AWS_REGION="\${AWS_REGION:-${w.region}}"
ECR_REGISTRY=${quote(w.registry)}
ECR_REPOSITORY=${quote(w.repository)}
export AWS_REGION

sha="$(git rev-parse HEAD)"
short="$(printf '%s' "$sha" | cut -c1-7)"
# The commit's own time, so a re-run of an old build never outranks a newer commit.
seconds="$(git log -1 --format=%ct HEAD)"
branch="\${BRANCH:-$(git rev-parse --abbrev-ref HEAD)}"
# A Docker tag holds letters, digits, _ . - (128 at most): other characters of the branch become -.
branch="$(printf '%s' "$branch" | tr -c 'A-Za-z0-9_.-' '-' | cut -c1-100)"
tag="$branch-$seconds-$short"
image="$ECR_REGISTRY/$ECR_REPOSITORY"

if aws ecr describe-images --repository-name "$ECR_REPOSITORY" --image-ids "imageTag=$sha" >/dev/null 2>&1; then
  echo "$image:$sha is there already: nothing to push"
  exit 0
fi
aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$ECR_REGISTRY"
docker build --tag "$image:$sha" --tag "$image:$tag" .
docker push "$image:$sha"
# Last: the tag the cluster follows appears once the image is complete.
docker push "$image:$tag"
echo "$image:$tag"
`;
}
