/**
 * Flux's image automation for a cluster that opted in (`imageAutomation` in the spec):
 *   image-automation.yaml  tool-owned, regenerated: per automated ECR repository an ImageRepository
 *                          (provider aws: image-reflector-controller's own Pod Identity role reads
 *                          ECR) and an ImagePolicy picking the newest `main-<unix seconds>-<sha7>`
 *                          tag by the number of seconds; a GitRepository of its own with the write
 *                          credential, and the ImageUpdateAutomation that commits through it;
 *   images.yaml            team-owned, written once: the ConfigMap holding each image parameter,
 *                          marked with Flux's setter comment (`:name` and `:tag` ones when the
 *                          workloads take an image's name and tag apart, as Helm charts do). The
 *                          automation rewrites these values and gitops never does, so a commit of
 *                          the automation is never undone by the next bootstrap (tool-owned files
 *                          are regenerated, shared profile copies are immutable: neither may hold
 *                          what the automation writes).
 * The layer syncs substitute from images.yaml after the values ConfigMap, so its values win.
 * The sync's own GitRepository and read-only credential stay as they are.
 */
import { stringScalar } from '../../../primitives/yaml11.js';
import type { KubeObject } from '../../kube/object.js';
import { fluxGitUrl } from './credentials.js';
import { FLUX_NAMESPACE, GIT_REPOSITORY_API, kustomizePath, toYamlDocuments } from './sync.js';

export const IMAGE_API = 'image.toolkit.fluxcd.io/v1';
export const IMAGE_AUTOMATION_NAME = 'gitops-image-updates';
/** The write credential's Secret: never the sync's (read-only) one. */
export const IMAGE_AUTOMATION_SECRET = 'gitops-image-automation';
export const IMAGES_CONFIGMAP = 'gitops-images';
export const IMAGE_AUTOMATION_FILES = { tool: 'image-automation.yaml', team: 'images.yaml' } as const;
/** The tags CI pushes from main (`gitops ci workflow`); `ts` is what the policy orders by. */
export const MAIN_TAG_PATTERN = '^main-(?P<ts>[0-9]+)-[0-9a-f]{7}$';

export interface AutomatedImageSpec {
  /** ECR repository name (`research/api`). */
  repository: string;
  uri: string;
  parameter: string;
  /** The parameter's value when images.yaml is first written. */
  value: string;
  /** The tag's own parameter when the workloads take name and tag apart: `parameter` holds the name. */
  tag?: { parameter: string; value: string };
}

export interface ImageAutomationRequest {
  url: string;
  branch: string;
  /** The cluster's folder: where the automation looks for setter comments. */
  path: string;
  interval: string;
  images: readonly AutomatedImageSpec[];
}

/** A Kubernetes name for an ECR repository name (`research/api` -> `research-api`). */
export function policyName(repository: string): string {
  return repository
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 63);
}

/** Flux's setter comment for a whole image reference, or for its name or tag alone. */
export function setterComment(repository: string, part?: 'name' | 'tag'): string {
  return `# {"$imagepolicy": "${FLUX_NAMESPACE}:${policyName(repository)}${part ? `:${part}` : ''}"}`;
}

export function imageAutomationObjects(req: ImageAutomationRequest): KubeObject[] {
  const meta = (name: string) => ({ name, namespace: FLUX_NAMESPACE });
  const perImage = req.images.flatMap((i): KubeObject[] => [
    {
      apiVersion: IMAGE_API,
      kind: 'ImageRepository',
      metadata: meta(policyName(i.repository)),
      spec: { image: i.uri, interval: req.interval, provider: 'aws' },
    },
    {
      apiVersion: IMAGE_API,
      kind: 'ImagePolicy',
      metadata: meta(policyName(i.repository)),
      spec: {
        imageRepositoryRef: { name: policyName(i.repository) },
        filterTags: { pattern: MAIN_TAG_PATTERN, extract: '$ts' },
        policy: { numerical: { order: 'asc' } },
      },
    },
  ]);
  return [
    {
      apiVersion: GIT_REPOSITORY_API,
      kind: 'GitRepository',
      metadata: meta(IMAGE_AUTOMATION_NAME),
      spec: {
        interval: req.interval,
        ref: { branch: req.branch },
        secretRef: { name: IMAGE_AUTOMATION_SECRET },
        url: fluxGitUrl(req.url),
      },
    },
    ...perImage,
    {
      apiVersion: IMAGE_API,
      kind: 'ImageUpdateAutomation',
      metadata: meta(IMAGE_AUTOMATION_NAME),
      spec: {
        interval: req.interval,
        sourceRef: { kind: 'GitRepository', name: IMAGE_AUTOMATION_NAME },
        git: {
          checkout: { ref: { branch: req.branch } },
          commit: {
            author: { name: 'gitops image automation', email: 'image-automation@gitops.invalid' },
            messageTemplate:
              'gitops image automation: {{ range .Changed.Changes }}{{ .OldValue }} -> {{ .NewValue }} {{ end }}',
          },
          push: { branch: req.branch },
        },
        update: { path: kustomizePath(req.path), strategy: 'Setters' },
      },
    },
  ];
}

/** The cluster folder's files for image automation, relative to it: tool-owned and team-owned. */
export function imageAutomationFiles(req: ImageAutomationRequest): {
  files: Record<string, string>;
  teamFiles: Record<string, string>;
} {
  return {
    files: {
      [IMAGE_AUTOMATION_FILES.tool]:
        '# Written by gitops: Flux scans the ECR repositories and commits their newest main-<seconds>-<sha7> tag to images.yaml.\n' +
        toYamlDocuments(imageAutomationObjects(req)),
    },
    teamFiles: { [IMAGE_AUTOMATION_FILES.team]: imagesText(req.images) },
  };
}

function imagesText(images: readonly AutomatedImageSpec[]): string {
  return [
    '# Team-owned, written once by gitops: the image each automated parameter holds. Flux rewrites a',
    '# value marked with an $imagepolicy comment when CI pushes a newer main-<seconds>-<sha7> tag;',
    '# gitops never rewrites this file. To pin an image, set it and remove the comment.',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${IMAGES_CONFIGMAP}`,
    `  namespace: ${FLUX_NAMESPACE}`,
    images.length === 0 ? 'data: {}' : 'data:',
    ...images.flatMap((i) =>
      i.tag === undefined
        ? [`  ${i.parameter}: ${stringScalar(i.value)} ${setterComment(i.repository)}`]
        : [
            `  ${i.parameter}: ${stringScalar(i.value)} ${setterComment(i.repository, 'name')}`,
            `  ${i.tag.parameter}: ${stringScalar(i.tag.value)} ${setterComment(i.repository, 'tag')}`,
          ],
    ),
    '',
  ].join('\n');
}
