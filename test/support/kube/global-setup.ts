/**
 * Vitest global setup of the integration and e2e projects: one local kube-apiserver for the
 * whole run (tests share it, each with its own namespaces and names), built first when the
 * machine has never built it. Tests read it through `inject('kube')`; child processes through
 * KUBE_TESTENV_* variables. KUBE_TESTENV_APISERVER_ARGS adds apiserver flags (the e2e sandbox's
 * token webhook).
 */
import type { TestProject } from 'vitest/node';
import { type KubeTestenvInfo, startKubeTestenv } from './testenv.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kube: KubeTestenvInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const env = await startKubeTestenv();
  const info: KubeTestenvInfo = {
    kubeconfig: env.kubeconfig,
    url: env.url,
    token: env.token,
    caFile: env.caFile,
    runDir: env.runDir,
  };
  project.provide('kube', info);
  process.env.KUBE_TESTENV_KUBECONFIG = env.kubeconfig;
  process.env.KUBE_TESTENV_URL = env.url;
  process.env.KUBE_TESTENV_CA_FILE = env.caFile;
  process.stderr.write(
    `kube-testenv: ${project.name}: apiserver ${env.url} ready in ${Date.now() - started} ms\n`,
  );
  return async () => {
    await env.stop();
  };
}
