/**
 * The container images a workload runs, read from its pod template (or a Pod's own spec): what
 * `gitops status` compares with the images in ECR. Init containers count: they run the image too.
 */
import { field, isRecord, type KubeObject } from './object.js';

/** Where each kind keeps its pod spec. */
const POD_SPEC: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export function runsPods(kind: string): boolean {
  return kind in POD_SPEC;
}

export function podImages(obj: KubeObject): string[] {
  const path = POD_SPEC[obj.kind];
  if (!path) return [];
  const spec = field(obj, ...path);
  if (!isRecord(spec)) return [];
  const images: string[] = [];
  for (const list of ['initContainers', 'containers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) if (isRecord(c) && typeof c['image'] === 'string') images.push(c['image']);
  }
  return images;
}

/** The tag of `<repository>:<tag>` or `<repository>:<tag>@<digest>`; a digest alone has none. */
export function tagOf(image: string, repository: string): string | undefined {
  if (!image.startsWith(`${repository}:`)) return undefined;
  const rest = image.slice(repository.length + 1);
  const at = rest.indexOf('@');
  return at < 0 ? rest : rest.slice(0, at);
}
