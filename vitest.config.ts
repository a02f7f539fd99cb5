import { defineConfig } from 'vitest/config';

// Four groups, one `npm test`:
//   unit        pure code, no processes or servers
//   aws         the real AWS SDK clients against the in-process AWS emulator
//   integration needs the local kube-apiserver (started once by the global setup)
//   e2e         the whole sandbox (emulator + apiserver + Flux stand-in)
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    setupFiles: ['test/support/quiet-sdk-warning.ts'],
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'aws', include: ['test/aws/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/kube/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/sandbox/global-setup.ts'],
          testTimeout: 300_000,
          // Every emulated EKS cluster is the one sandbox apiserver, and each bootstrap points its
          // Flux at its own fleet repo: files run one after another so they do not repoint it.
          fileParallelism: false,
        },
      },
    ],
  },
});
