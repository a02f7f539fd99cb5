/** Throwaway checkouts for the kustomize builder tests, and the objects they start from. */
import { buildKustomization } from '../../src/integrations/kustomize/build.js';
import type { KubeObject } from '../../src/integrations/kube/object.js';
import { isGitopsError } from '../../src/primitives/errors.js';
import { tempDir } from './git-helpers.js';
import { writeFiles } from './profiles-helpers.js';

/** Writes the files into a new folder and builds `path` in it. */
export async function build(files: Record<string, string>, path = '.'): Promise<KubeObject[]> {
  const dir = tempDir('gitops-kust-');
  writeFiles(dir, files);
  return (await buildKustomization(dir, path)).objects;
}

/** The one-line message of the GitopsError that building throws. */
export async function buildError(files: Record<string, string>, path = '.'): Promise<string> {
  const e = await build(files, path).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGitopsError(e)) throw new Error(`expected a GitopsError, got ${String(e)}`);
  return e.message;
}

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export const kustomization = (body: string): string =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`;

export const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com:5000/team/web
      containers:
        - name: web
          image: nginx:1.25
          ports:
            - containerPort: 80
          env:
            - name: MODE
              value: prod
            - name: LEVEL
              value: info
          volumeMounts:
            - name: data
              mountPath: /data
        - name: sidecar
          image: busybox
      imagePullSecrets:
        - name: regcred
      volumes:
        - name: data
          emptyDir: {}
`;

export const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
`;
