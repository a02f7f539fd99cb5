/**
 * The layer rule of src/ARCHITECTURE.md, checked by `npm run lint`: each folder may import only
 * the folders listed for it (and itself). Lowest layer first; nothing imports upwards, so the
 * folder graph has no cycle.
 */
const LAYERS = {
  primitives: [],
  spec: ['primitives'],
  'integrations/kube': ['primitives'],
  'integrations/git': ['primitives'],
  'integrations/kustomize': ['primitives', 'integrations/kube'],
  'integrations/aws': ['primitives', 'spec'],
  'integrations/profiles': [
    'primitives',
    'spec',
    'integrations/git',
    'integrations/kube',
    'integrations/kustomize',
  ],
  'integrations/reconciler': [
    'primitives',
    'spec',
    'integrations/git',
    'integrations/kube',
    'integrations/kustomize',
  ],
  usecases: ['primitives', 'spec', 'integrations'],
  io: ['primitives'],
  cli: ['primitives', 'spec', 'usecases', 'io'],
};

const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
  name: `layer:${folder}`,
  comment: `src/${folder} may import only ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'itself'}`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: [folder, ...allowed].map((a) => `^src/${a}/`) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-unknown-folder',
      comment: 'every file in src/ belongs to a layer of src/ARCHITECTURE.md',
      severity: 'error',
      from: { path: '^src/', pathNot: Object.keys(LAYERS).map((f) => `^src/${f}/`) },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'modules that import each other (even within a folder) work only by accident of load order',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
