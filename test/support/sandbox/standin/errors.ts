/** A kustomize build failed: Flux reports it as BuildFailed (or ArtifactFailed for a missing path). */
export class BuildError extends Error {}
