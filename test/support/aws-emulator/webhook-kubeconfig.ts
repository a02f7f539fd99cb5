// The kubeconfig file kube-apiserver reads for --authentication-token-webhook-config-file.
// It names the emulator's token-review route; plain http on loopback is enough for client-go.

import { writeFileSync } from 'node:fs';

export function webhookKubeconfig(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: aws-emulator-token-review',
    '    cluster:',
    `      server: ${JSON.stringify(url)}`,
    'users:',
    '  - name: kube-apiserver',
    '    user: {}',
    'contexts:',
    '  - name: token-review',
    '    context:',
    '      cluster: aws-emulator-token-review',
    '      user: kube-apiserver',
    'current-context: token-review',
    '',
  ].join('\n');
}

export function writeWebhookKubeconfig(path: string, url: string): void {
  writeFileSync(path, webhookKubeconfig(url), { mode: 0o600 });
}
