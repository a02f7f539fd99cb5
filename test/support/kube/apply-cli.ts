/**
 * A minimal command line around the apply engine, for the apply-flux benchmark (run as a cold
 * process, bundled) and for poking at a test apiserver by hand:
 *   node --import tsx test/support/kube/apply-cli.ts --kubeconfig FILE manifest.yaml...
 * Prints one summary line; exit 1 on failure.
 */
import { applyObjects } from '../../../src/integrations/kube/apply.js';
import { kubeClientFromKubeconfig } from '../../../src/integrations/kube/client.js';
import { readFile } from 'node:fs/promises';
import { parseManifests } from '../../../src/integrations/kube/manifests.js';

const args = process.argv.slice(2);
const at = args.indexOf('--kubeconfig');
const kubeconfig = at >= 0 ? args.splice(at, 2)[1] : undefined;
const client = await kubeClientFromKubeconfig({
  env: process.env,
  ...(kubeconfig === undefined ? {} : { path: kubeconfig }),
});
try {
  const objects = (
    await Promise.all(args.map(async (f) => parseManifests(await readFile(f, 'utf8'), f)))
  ).flat();
  const report = await applyObjects(client, objects);
  process.stdout.write(
    `${report.objects.length} objects: ${report.created} created, ${report.configured} configured, ` +
      `${report.unchanged} unchanged in ${report.durationMs} ms\n`,
  );
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  client.close();
}
