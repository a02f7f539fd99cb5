/** The reconcilers gitops can install; the use cases pick one by the spec's `reconciler.kind`. */
import { flux } from './flux/index.js';
import type { Reconciler } from './reconciler.js';

export type { FleetLocation, Reconciler } from './reconciler.js';

const RECONCILERS: Readonly<Record<string, Reconciler>> = { flux };

export function reconcilerFor(kind: string): Reconciler {
  const r = RECONCILERS[kind];
  if (!r) throw new Error(`unknown reconciler "${kind}"`);
  return r;
}
